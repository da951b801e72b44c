from faktura.cli import main

main()
