"""The benchmark's own arithmetic: percentiles and reading wrk's output."""

from bench.load import parse_wrk
from bench.measure import percentile

WRK = """Running 20s test @ http://127.0.0.1:8123/workshops
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    20.10ms    5.01ms  80.00ms   90.00%
  Latency Distribution
     50%   19.00ms
     75%   22.00ms
     90%   26.00ms
     99%    1.20s
  15870 requests in 20.00s, 150.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    793.50
Transfer/sec:      7.50MB
"""


def test_percentile_is_the_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([3.0, 1.0, 2.0], 0.95) == 3.0


def test_wrk_output_gives_rate_p99_and_errors():
    assert parse_wrk(WRK) == (793.5, 1200.0, 3)
