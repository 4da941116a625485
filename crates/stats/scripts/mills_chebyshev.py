"""Chebyshev coefficients of the Mills ratio R(z) = (1 − Φ(z)) / φ(z).

Generates the tables `MILLS_CHEB_*` in src/special.rs (run with mpmath 1.4.1):
    /tmp/sv/bin/python crates/stats/scripts/mills_chebyshev.py

R is entire, so on each interval [a, b] its Chebyshev series in
t = (2z − a − b)/(b − a) converges geometrically. Coefficients are computed at
60 digits from 200 Chebyshev nodes and truncated where the tail falls below
2e-18 relative; the script then checks the double-precision Clenshaw
evaluation against mpmath on a dense grid and prints the worst relative error.
"""
import mpmath as mp

mp.mp.dps = 60
INTERVALS = [(0.0, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 8.0)]


def mills(z):
    z = mp.mpf(z)
    return mp.ncdf(-z) / mp.npdf(z)


def cheb_coeffs(a, b, n=200):
    a, b = mp.mpf(a), mp.mpf(b)
    nodes = [mp.pi * (j + mp.mpf(1) / 2) / n for j in range(n)]
    vals = [mills((b - a) / 2 * mp.cos(th) + (a + b) / 2) for th in nodes]
    cs = []
    for k in range(n):
        s = mp.fsum(v * mp.cos(k * th) for v, th in zip(vals, nodes))
        cs.append(2 * s / n)
    cs[0] /= 2
    rmin = min(vals)
    for deg in range(n):
        if all(abs(c) < mp.mpf(2e-18) * rmin for c in cs[deg + 1:deg + 8]):
            return [float(c) for c in cs[:deg + 1]]
    raise RuntimeError("no convergence")


def clenshaw(cs, a, b, z):
    t = (2.0 * z - a - b) / (b - a)
    b1 = b2 = 0.0
    for c in reversed(cs[1:]):
        b1, b2 = 2.0 * t * b1 - b2 + c, b1
    return t * b1 - b2 + cs[0]


if __name__ == "__main__":
    worst = 0.0
    for (a, b) in INTERVALS:
        cs = cheb_coeffs(a, b)
        name = f"MILLS_CHEB_{int(a)}_{int(b)}"
        print(f"/// Mills ratio on [{a}, {b}]: Chebyshev coefficients (degree {len(cs) - 1}).")
        print(f"const {name}: [f64; {len(cs)}] = [")
        for c in cs:
            print(f"    {c!r},")
        print("];")
        for i in range(2001):
            z = a + (b - a) * i / 2000
            ref = mills(z)
            worst = max(worst, float(abs(clenshaw(cs, a, b, z) - ref) / ref))
    print(f"// worst relative error of the double Clenshaw evaluation: {worst:.2e}")
