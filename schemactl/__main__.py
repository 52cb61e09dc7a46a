from schemactl.cli.app import entry

entry()
