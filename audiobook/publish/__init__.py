"""Player- and podcast-ready output: tags, cover, subtitles, feed, m4b, pages, serving."""
