"""Integer rescaling of native-born totals, as migest's ``rescale_integer_sum`` does it.

migest rounds the rescaled native-born populations to whole people and puts the
rounding residual on one place. Its code means to put it on the largest
population, but it draws the place with R's ``sample(x = m, size = 1)``; when
the largest value is unique, ``m`` is a single number and R's ``sample`` then
draws uniformly from ``1:m`` instead. The place that receives the residual
therefore depends on R's random number generator. :class:`RCompatibleRandom`
reproduces R's default generator (Mersenne-Twister seeded by ``set.seed``, with
"Rejection" sampling, R >= 3.6) so that a run here equals a migest run that was
preceded by ``set.seed(seed)``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["RCompatibleRandom", "rescale_integer_sum"]

_TWO_POW_M32 = 2.3283064365386963e-10  # 1 / 2**32, as in R's MT_genrand
_I2_32M1 = 2.328306437080797e-10  # 1 / (2**32 - 1), R's fixup bound


class RCompatibleRandom:
    """The random stream R produces after ``set.seed(seed)`` (default kinds).

    Only what migest's rounding needs is provided: uniforms (``runif``) and
    ``sample.int(n, 1)``.

    Parameters
    ----------
    seed
        The integer given to R's ``set.seed``.

    Examples
    --------
    >>> rng = RCompatibleRandom(1)
    >>> rng.uniform(3).round(7).tolist()   # R: set.seed(1); runif(3)
    [0.2655087, 0.3721239, 0.5728534]
    >>> RCompatibleRandom(1).sample_int(10)     # R: set.seed(1); sample(10, 1)
    9
    """

    def __init__(self, seed: int) -> None:
        value = int(seed) & 0xFFFFFFFF
        for _ in range(50):  # R's initial scrambling
            value = (69069 * value + 1) & 0xFFFFFFFF
        key = np.empty(625, dtype=np.uint32)
        for j in range(625):  # mti slot followed by the 624 state words
            value = (69069 * value + 1) & 0xFFFFFFFF
            key[j] = value
        self._bits = np.random.MT19937()
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key[1:], "pos": 624}}

    def uniform(self, size: int = 1) -> np.ndarray:
        """``size`` draws of R's ``unif_rand()`` (open interval (0, 1))."""
        raw = np.asarray(self._bits.random_raw(size), dtype=np.float64) * _TWO_POW_M32
        raw = np.where(raw <= 0.0, 0.5 * _I2_32M1, raw)
        return np.where(1.0 - raw <= 0.0, 1.0 - 0.5 * _I2_32M1, raw)

    def _unif_index(self, n: int) -> int:
        if n <= 0:
            return 0
        bits = math.ceil(math.log2(n))
        while True:
            value = 0
            for _ in range(0, bits + 1, 16):
                value = 65536 * value + math.floor(float(self.uniform(1)[0]) * 65536)
            value &= (1 << bits) - 1
            if value < n:
                return value

    def sample_int(self, n: int) -> int:
        """One draw of R's ``sample.int(n, 1)``: an integer in ``1 … n``."""
        return self._unif_index(int(n)) + 1


def rescale_integer_sum(x: np.ndarray, total: float,
                        rng: RCompatibleRandom | None = None) -> np.ndarray:
    """Scale ``x`` to sum to ``total``, round to integers and put the residual on one cell.

    Parameters
    ----------
    x
        Non-negative values (native-born populations).
    total
        Desired sum. When it is not a whole number the residual is not either,
        as in migest.
    rng
        ``None`` puts the residual on the largest value, which is what migest's
        code comment intends (shared equally when several values are equally
        largest, so that the result does not depend on the order of places). An :class:`RCompatibleRandom`
        chooses the cell exactly as migest does after ``set.seed``: among tied
        maxima at random, and for a unique maximum at position ``m`` (1-based)
        uniformly among positions ``1 … m`` (R's ``sample(m, 1)``).

    Returns
    -------
    numpy.ndarray
        The rescaled values; their sum equals ``total`` (up to rounding of the sum).

    Examples
    --------
    >>> rescale_integer_sum(np.array([10.0, 20.0, 30.0]), 61)
    array([10., 20., 31.])
    """
    x = np.asarray(x, dtype=np.float64)
    scaled = np.round(x * (total / math.fsum(x)))
    residual = total - math.fsum(scaled)
    if residual != 0:
        top = np.flatnonzero(x == np.max(np.abs(x)))
        if top.size == 0:  # the largest magnitude is negative: migest fails, use it anyway
            top = np.array([int(np.argmax(np.abs(x)))])
        if rng is None:
            scaled[top] += residual / top.size
            return scaled
        if top.size == 1:
            where = rng.sample_int(int(top[0]) + 1) - 1
        else:
            where = int(top[rng.sample_int(top.size) - 1])
        scaled[where] += residual
    return scaled
