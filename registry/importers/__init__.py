"""Importers: IFC models and spreadsheets to passport graphs (Turtle) that go through the normal upload path.

An importer never stores anything itself: it returns a Turtle document and a report, and the caller hands the
document to `PassportService.create`, so imports get the same SHACL validation, versioning and history as uploads.
"""
