"""For councillors: scrutiny questions and the self-assessment against the Code.

May import everything up to scrutiny.warning and scrutiny.recommendations.
"""
