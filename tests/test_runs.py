"""studio.runs.live, the run loop of the optimising pages, through AppTest on a small script: a Stop keeps the
steps made so far; a change of settings waits for Run and keeps the last result with a note; a result is drawn
only under what made it; an error is one sentence and keeps nothing."""
from streamlit.testing.v1 import AppTest


def script():
    import streamlit as st
    from PIL import Image

    import vizcore as vc
    from studio import runs

    def steps():
        for i in range(1, 6):
            if i == st.session_state.get("fail_at"):
                raise ValueError("That cannot be optimised.")
            yield vc.Step(i, 5, -i, Image.new("RGB", (8, 8), (50 * i, 0, 0)), {"score": float(i)})
            if i == st.session_state.get("stop_after"):
                st.stop()  # what Stop does to a running script

    mode = st.radio("Mode", ["a", "b"], key="mode")
    rate = st.slider("Rate", 1, 3, key="rate")
    made = runs.live("demo", (mode,), (rate,), steps, lambda step: {"score": step.parts["score"]}, "Testing")
    if made:
        st.write(f"step {made.last.i}, {len(made.rows)} rows, done {made.done}")


def app() -> AppTest:
    return AppTest.from_function(script, default_timeout=60).run()


def written(at) -> str:
    return " ".join(str(m.value) for m in at.markdown)


def infos(at) -> str:
    return " ".join(str(i.value) for i in at.info)


def test_a_run_is_kept_and_a_change_waits_for_run():
    at = app()
    assert "Press **Run** to start." in infos(at) and not written(at)
    at.button(key="demo_run").click().run()
    assert written(at) == "step 5, 5 rows, done True" and not at.info and not at.warning
    at.slider(key="rate").set_value(2).run()  # nothing runs: the last result stays, with a note
    assert written(at) == "step 5, 5 rows, done True" and "The settings have changed" in infos(at)
    at.radio(key="mode").set_value("b").run()  # another mode never draws a result it did not make
    assert not written(at) and "Press **Run** to start." in infos(at)
    at.radio(key="mode").set_value("a").run()
    assert written(at) == "step 5, 5 rows, done True"
    assert not at.exception


def test_stop_keeps_the_steps_made_so_far():
    at = app()
    at.session_state["stop_after"] = 2
    at.button(key="demo_run").click().run()
    at.session_state["stop_after"] = None
    at.run()
    assert written(at) == "step 2, 2 rows, done False"
    assert "Stopped after step 2 of 5" in at.warning[0].value


def test_an_error_is_one_sentence_and_keeps_nothing():
    at = app()
    at.session_state["fail_at"] = 3
    at.button(key="demo_run").click().run()
    assert [e.value for e in at.error] == ["That cannot be optimised."] and not at.exception
    assert not written(at)
