import sys

from ganstudio.cli import main

sys.exit(main())
