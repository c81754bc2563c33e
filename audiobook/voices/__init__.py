"""Voices: voices.yaml, casting speakers to voices, previews."""
