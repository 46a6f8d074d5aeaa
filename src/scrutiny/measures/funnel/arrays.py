"""The array types every funnel method shares.

`Array` is what the methods compute with and return: a float64 NumPy array, one value per
council (or per denominator on a plotted line). `Values` is what the public entry points
accept from callers: anything NumPy can turn into one (a list, a polars Series, an array).
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
Values = ArrayLike
