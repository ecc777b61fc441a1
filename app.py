"""DeepVis Studio: look inside convolutional networks, in the browser.

Run with `make run` (or `streamlit run app.py`). This file only sets up the
page, the navigation and the sidebar that every page shares. The page's title
and a loading line are drawn before vizcore (torch) is imported, so that a
first visit shows them at once.

OpenMP's threads wait for work by sleeping rather than spinning
(``OMP_WAIT_POLICY=PASSIVE``, read when torch loads): on a busy 2-core machine
spinning threads fight over the cores and an optimisation took 10 to 30 times
as long (``benchmarks/page_actions.py``).
"""
import os

from studio import shell

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

if __name__ == "__main__":  # not in a scan's worker process, which imports this file as __mp_main__
    with shell.app_run():
        page, loading = shell.start()
        from studio import sidebar  # imports vizcore and torch: seconds on a server's first run

        sidebar.render()
        loading.empty()
        page.run()
