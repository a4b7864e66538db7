"""Small real files for upload tests."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile


def pdf(name="佐证材料.pdf", size=200):
    body = b"%PDF-1.4\n" + b"0" * max(0, size - 9)
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png(name="现场照片.png"):
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")


def docx(name="工作总结.docx"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return SimpleUploadedFile(name, buffer.getvalue())


def fake_pdf(name="病毒.pdf"):
    """An executable wearing a PDF's name."""
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 64)


def exe(name="setup.exe"):
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 64)
