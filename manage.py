#!/usr/bin/env python
from xinfang.cli import main

if __name__ == "__main__":
    main()
