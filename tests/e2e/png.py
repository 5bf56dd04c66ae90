"""Just enough PNG reading to hand a browser screenshot to zxing-cpp without Pillow.

Chromium's screenshots are 8-bit, non-interlaced RGB or RGBA PNGs; that is all
this reads, into a grayscale buffer of shape (height, width).
"""

import struct
import zlib

_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


def _paeth(left: int, up: int, up_left: int) -> int:
    estimate = left + up - up_left
    distance_left, distance_up = abs(estimate - left), abs(estimate - up)
    distance_up_left = abs(estimate - up_left)
    if distance_left <= distance_up and distance_left <= distance_up_left:
        return left
    return up if distance_up <= distance_up_left else up_left


def png_to_gray(png: bytes) -> memoryview:
    """The image as 8-bit gray, a memoryview shaped (height, width)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    position, compressed = 8, b""
    width = height = channels = 0
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace or colour not in _CHANNELS:
                raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}")
            channels = _CHANNELS[colour]
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(compressed)
    stride = width * channels
    previous = bytearray(stride)
    gray = bytearray(width * height)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                up_left = previous[i - channels] if i >= channels else 0
                line[i] = (line[i] + _paeth(left, up, up_left)) & 255
        for x in range(width):
            pixel = line[x * channels : x * channels + channels]
            if channels >= 3:
                value = (299 * pixel[0] + 587 * pixel[1] + 114 * pixel[2]) // 1000
            else:
                value = pixel[0]
            gray[row * width + x] = value
        previous = line
    return memoryview(bytes(gray)).cast("B", (height, width))
