"""``python -m migcap.cli``: the same as the ``migcap`` command."""

from migcap.cli.app import main

if __name__ == "__main__":
    main()
