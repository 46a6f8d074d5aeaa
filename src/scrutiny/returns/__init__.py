"""The write path: read a council's file, validate it, run the Code clock, count it up and store it.

May import core, reference, standard and store.
"""
