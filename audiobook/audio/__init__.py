"""Audio: speakable text, synthesis, the clip cache, levelling and chapter encoding."""
