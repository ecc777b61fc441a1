"""vizcore.data.images.open_image: every input a user can hand us becomes RGB or one clear sentence."""
from __future__ import annotations

import io
import random
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from vizcore.data.images import open_image
from vizcore.errors import ImageError

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


# ---------------------------------------------------------------- helpers

def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def raw_png(width: int, height: int, bit_depth: int, colour_type: int, rows: bytes) -> bytes:
    """A PNG written by hand, so the header can say anything we like."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""))


def pixels(img: Image.Image) -> np.ndarray:
    return np.asarray(img).astype(int)


def noisy(size=(64, 48), seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def assert_one_sentence(message: str, name: str | None = None) -> None:
    """One plain sentence: no traceback, no Pillow jargon, one full stop at the end."""
    text = message.replace(f"'{name}'", "'FILE'") if name else message
    assert "\n" not in message and "Traceback" not in message
    jargon = ("PIL", "Errno", "struct", "SyntaxError", "OSError", "cannot identify", "DecompressionBomb")
    assert not any(word in message for word in jargon), message
    assert text[0].isupper() or text.startswith("'"), message
    assert text.endswith(".") and ". " not in text[:-1], message


class Upload(io.BytesIO):
    """Looks like Streamlit's UploadedFile: read/getvalue/seek and a .name."""

    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


class Stream:
    """A read-only, non-seekable binary stream."""

    def __init__(self, data: bytes):
        self._buf = io.BytesIO(data)

    def read(self, n=-1):
        return self._buf.read(n)


# ---------------------------------------------------------------- sources

def test_path_bytes_and_file_objects_give_identical_pixels(tmp_path):
    data = encode(noisy(), "PNG")
    path = tmp_path / "noise.png"
    path.write_bytes(data)
    upload = Upload(data, "noise.png")
    upload.read(10)  # a page may already have read from it: it must be rewound
    results = [open_image(path), open_image(str(path)), open_image(data), open_image(bytearray(data)),
               open_image(memoryview(data)), open_image(upload), open_image(Stream(data))]
    for img in results:
        assert img.mode == "RGB" and img.size == (64, 48)
        np.testing.assert_array_equal(pixels(img), pixels(noisy()))


def test_file_object_opened_in_text_mode_is_a_type_error(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(encode(noisy(), "PNG"))
    with open(path, encoding="latin-1") as f, pytest.raises(TypeError, match="binary"):
        open_image(f)


# ---------------------------------------------------------------- orientation

def exif_jpeg(orientation: int) -> bytes:
    """60x40 blue JPEG with a red block in the stored top-left corner."""
    img = Image.new("RGB", (60, 40), BLUE)
    img.paste(RED, (0, 0, 15, 10))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(img, "JPEG", quality=95, exif=exif.tobytes())


@pytest.mark.parametrize("orientation, size, corner", [
    (1, (60, 40), "top-left"),
    (3, (60, 40), "bottom-right"),   # rotated 180
    (6, (40, 60), "top-right"),      # rotate 90 clockwise to view
    (8, (40, 60), "bottom-left"),    # rotate 90 counter-clockwise to view
])
def test_exif_orientation_is_applied(orientation, size, corner):
    img = open_image(exif_jpeg(orientation))
    assert img.size == size
    w, h = img.size
    corners = {"top-left": (2, 2), "top-right": (w - 3, 2),
               "bottom-left": (2, h - 3), "bottom-right": (w - 3, h - 3)}
    for where, xy in corners.items():
        r, g, b = img.getpixel(xy)
        is_red = r > 200 and b < 60
        assert is_red == (where == corner), (where, img.getpixel(xy))


# ---------------------------------------------------------------- modes

def test_grayscale_and_bilevel_become_rgb():
    grey = open_image(encode(Image.new("L", (4, 4), 77), "PNG"))
    assert grey.mode == "RGB" and grey.getpixel((1, 1)) == (77, 77, 77)
    bilevel = open_image(encode(Image.new("1", (4, 4), 1), "PNG"))
    assert bilevel.mode == "RGB" and bilevel.getpixel((1, 1)) == WHITE


def test_palette_transparency_becomes_white_and_opaque_keeps_colour():
    img = Image.new("P", (2, 1))
    img.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    img.putdata([0, 1])  # red, then (transparent) green
    out = open_image(encode(img, "PNG", transparency=1))
    assert out.getpixel((0, 0)) == RED
    assert out.getpixel((1, 0)) == WHITE


def test_half_transparent_rgba_is_blended_with_white():
    out = open_image(encode(Image.new("RGBA", (3, 3), (255, 0, 0, 128)), "PNG"))
    r, g, b = out.getpixel((1, 1))
    assert r == 255 and abs(g - 127) <= 1 and abs(b - 127) <= 1


def test_la_is_blended_with_white():
    out = open_image(encode(Image.new("LA", (3, 3), (0, 0)), "PNG"))  # black, fully transparent
    assert out.getpixel((1, 1)) == WHITE
    out = open_image(encode(Image.new("LA", (3, 3), (0, 128)), "PNG"))  # black, half opaque
    assert all(abs(c - 127) <= 1 for c in out.getpixel((1, 1)))


def test_cmyk_jpeg_keeps_its_colour():
    cmyk = Image.new("RGB", (16, 16), (200, 40, 30)).convert("CMYK")
    out = open_image(encode(cmyk, "JPEG", quality=95))
    assert out.mode == "RGB"
    assert np.abs(pixels(out)[8, 8] - (200, 40, 30)).max() <= 20


def test_16_bit_grey_png_is_scaled_to_8_bit():
    a = np.array([[65535, 32768, 257, 0]], dtype=np.uint16)
    out = open_image(encode(Image.fromarray(a), "PNG"))
    assert pixels(out)[0, :, 0].tolist() == [255, 128, 1, 0]


def test_16_bit_grey_with_only_low_values_is_not_scaled():
    a = np.array([[200, 100, 0]], dtype=np.uint16)  # 8-bit values stored in a 16-bit file
    out = open_image(encode(Image.fromarray(a), "PNG"))
    assert pixels(out)[0, :, 0].tolist() == [200, 100, 0]


def test_48_bit_rgb_png_is_scaled_to_8_bit():
    row = b"\x00" + struct.pack(">6H", 65535, 32768, 0, 257, 0, 65535)
    out = open_image(raw_png(2, 1, 16, 2, row))
    assert out.mode == "RGB"
    assert pixels(out)[0].tolist() == [[255, 128, 0], [1, 0, 255]]


def test_64_bit_rgba_png_is_scaled_and_blended():
    row = b"\x00" + struct.pack(">4H", 0, 0, 65535, 65535)  # opaque blue
    assert open_image(raw_png(1, 1, 16, 6, row)).getpixel((0, 0)) == BLUE


def test_32_bit_integer_tiff_is_scaled_to_8_bit():
    img = Image.new("I", (2, 1))
    img.putdata([65535, 0])
    assert pixels(open_image(encode(img, "TIFF")))[0, :, 0].tolist() == [255, 0]


def test_float_tiff_is_stretched_from_min_to_max():
    img = Image.fromarray(np.array([[-1.0, 0.0, 1.0]], dtype=np.float32))
    assert pixels(open_image(encode(img, "TIFF")))[0, :, 0].tolist() == [0, 128, 255]


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_animation_gives_its_first_frame(fmt):
    frames = [Image.new("RGB", (8, 8), c) for c in (RED, GREEN, BLUE)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 3  # really animated
    r, g, b = open_image(data).getpixel((4, 4))
    assert r > 200 and g < 50 and b < 50


# ---------------------------------------------------------------- size

@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_oversized_image_is_shrunk_keeping_aspect_ratio(fmt):
    out = open_image(encode(Image.new("RGB", (5000, 1200), (10, 120, 200)), fmt))
    assert out.width == 2048 and abs(out.height - 1200 * 2048 / 5000) <= 1
    assert np.abs(pixels(out)[200, 1000] - (10, 120, 200)).max() <= 6


def test_large_jpeg_is_decoded_at_reduced_size(monkeypatch):
    from PIL import JpegImagePlugin

    drafted = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = draft(self, mode, size)
        drafted.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    out = open_image(encode(Image.new("RGB", (5000, 1200)), "JPEG"))
    assert drafted == [(2500, 600)]  # libjpeg decodes at 1/2 scale, never below the target
    assert out.size == (2048, 492)


def test_max_side_applies_after_rotation():
    out = open_image(exif_jpeg(6), max_side=30)
    assert out.size == (20, 30)


def test_decompression_bomb_is_refused_without_decoding(monkeypatch):
    bomb = raw_png(40000, 40000, 8, 2, b"\x00" * 1000)
    assert len(bomb) < 200

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("a decompression bomb was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    start = time.perf_counter()
    with pytest.raises(ImageError, match="40000×40000 pixels") as info:
        open_image(Upload(bomb, "bomb.png"))
    assert time.perf_counter() - start < 1
    assert "too large" in str(info.value) and "'bomb.png'" in str(info.value)
    assert "100,000,000" in str(info.value)  # the limit that applies, not Pillow's own
    assert_one_sentence(str(info.value), "bomb.png")


def test_gif_frame_larger_than_its_screen_is_refused():
    header = b"GIF89a" + struct.pack("<HHBBB", 16, 16, 0x80, 0, 0) + bytes(6)  # 16x16, 2 colours
    frame = b"," + struct.pack("<HHHHB", 0, 0, 60000, 60000, 0) + b"\x02\x02\x44\x01\x00;"
    with pytest.raises(ImageError, match="holds more than 100,000,000 pixels") as info:
        open_image(header + frame)
    assert_one_sentence(str(info.value))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_header_above_the_default_limit_is_refused(monkeypatch):
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded"))
    with pytest.raises(ImageError, match="12000×10000 pixels"):
        open_image(raw_png(12000, 10000, 8, 0, b""))


def test_image_above_max_pixels_is_refused_without_decoding(monkeypatch):
    data = encode(Image.new("RGB", (300, 200)), "PNG")
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded"))
    with pytest.raises(ImageError, match=r"300×200 pixels.*too large.*50,000") as info:
        open_image(data, max_pixels=50_000)
    assert_one_sentence(str(info.value))


def test_pillow_globals_are_left_alone():
    before = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
    open_image(encode(noisy(), "JPEG"))
    with pytest.raises(ImageError):
        open_image(encode(noisy(), "JPEG")[:300])
    assert (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES) == before


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("fmt, name", [("JPEG", "photo.jpg"), ("PNG", "diagram.png")])
def test_truncated_files_name_the_file(fmt, name, tmp_path):
    data = encode(noisy((256, 256)), fmt)
    cut = data[: len(data) // 2]
    path = tmp_path / name
    path.write_bytes(cut)
    for src in (Upload(cut, name), path):
        with pytest.raises(ImageError, match="truncated or damaged") as info:
            open_image(src)
        assert name in str(info.value)
        assert isinstance(info.value.__cause__, Exception)  # the original is kept for logs
        assert_one_sentence(str(info.value), str(src if src is path else name))


def test_random_bytes_are_not_an_image():
    junk = random.Random(0).randbytes(5000)
    with pytest.raises(ImageError, match="not an image that can be read") as info:
        open_image(junk)
    assert str(info.value).startswith("The file ")
    assert_one_sentence(str(info.value))


def test_text_file_is_not_an_image(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Remember to buy milk.\n" * 20)
    with pytest.raises(ImageError, match=r"notes\.txt' is not an image .*JPEG, PNG") as info:
        open_image(path)
    assert_one_sentence(str(info.value), str(path))


def test_empty_input():
    with pytest.raises(ImageError) as info:
        open_image(b"")
    assert str(info.value) == "The file is empty."
    with pytest.raises(ImageError, match="'blank.png' is empty"):
        open_image(Upload(b"", "blank.png"))


def test_missing_path(tmp_path):
    path = tmp_path / "nowhere.jpg"
    with pytest.raises(ImageError, match="nowhere.jpg' could not be opened") as info:
        open_image(path)
    assert_one_sentence(str(info.value), str(path))


def test_wrong_argument_type_is_a_type_error():
    with pytest.raises(TypeError, match="path, bytes or a binary file object"):
        open_image(42)


def test_image_error_is_a_value_error():
    assert issubclass(ImageError, ValueError)
