"""`audiobook review`: a local web page that fixes a book's cast by editing voices.yaml."""
