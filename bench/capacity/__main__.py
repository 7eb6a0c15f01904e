"""``python -m bench.capacity``: see ``bench/capacity/run.py``."""

from bench.capacity.run import main

if __name__ == "__main__":
    main()
