"""`python -m workflow` is `cunwu`."""
from workflow.cli.base import main

main()
