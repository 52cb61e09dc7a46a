from schemactl.cli.app import main

main()
