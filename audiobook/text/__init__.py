"""Reading input files: decoding, structure (chapters, paragraphs), sections."""
