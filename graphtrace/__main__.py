"""``python -m graphtrace``: the same commands as the ``graphtrace`` script."""

from graphtrace.cli import main

if __name__ == "__main__":
    main()
