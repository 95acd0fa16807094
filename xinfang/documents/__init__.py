"""Written documents: the notices the regulation requires, numbered, rendered from .docx templates and kept
unchanged once issued (a correction is a new version that supersedes the old one)."""
