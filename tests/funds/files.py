"""Proof files as a browser uploads them: real files of each allowed type, and impostors."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 20 + b"\xff\xd9"
CSV = "attendee,company\nJeanne Martin,Société Générale des Pompes\n".encode()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf(name="invoice.pdf"):
    return upload(name, PDF, "application/pdf")


def png(name="stand.png"):
    return upload(name, PNG, "image/png")


def jpeg(name="stand.jpg"):
    return upload(name, JPEG, "image/jpeg")


def csv(name="attendees.csv"):
    return upload(name, CSV, "text/csv")


def xlsx_bytes():
    book = openpyxl.Workbook()
    book.active.append(["item", "cost"])
    book.active.append(["Stand", 4000])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx(name="costs.xlsx"):
    return upload(name, xlsx_bytes(), "application/vnd.ms-excel")
