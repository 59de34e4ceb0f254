"""One module per rule, named by its code (``ds201.py`` holds ``DS201``)."""
