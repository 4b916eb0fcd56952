"""The project's benchmark (not part of the installed package): run `python bench/run.py`."""
