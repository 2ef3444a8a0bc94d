"""`python -m jazzgen` runs the command-line interface."""

from jazzgen.cli import main

if __name__ == "__main__":
    main()
