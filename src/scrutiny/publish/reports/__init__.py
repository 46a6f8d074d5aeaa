"""Reports: the Code's annual complaints performance and service improvement report, the
councillor scrutiny pack and the national overview, as HTML and accessible PDF.

May import what scrutiny.publish may: core, settings, reference, standard, store, returns,
measures, recommendations, warning and councillor (docs/architecture.md).
"""
