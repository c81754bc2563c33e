"""Who speaks each line: quotes, speech tags, characters, attribution passes."""
