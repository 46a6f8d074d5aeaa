"""Reports: the Code's annual complaints performance and service improvement report, the
councillor scrutiny pack and the national overview, as HTML and accessible PDF."""
