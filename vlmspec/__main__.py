from vlmspec.cli import main

main()
