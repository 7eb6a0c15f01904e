"""The service's benchmarks (``make bench``): ratios against a baseline measured in the same run."""

import os

# The emulator, not AWS, answers here, and a moto Query over a whole bench table can take longer than
# the 4 s a Lambda waits (chalicelib.aws reads this at import): as the local stack and the tests do.
os.environ.setdefault("AWS_READ_TIMEOUT_S", "30")
