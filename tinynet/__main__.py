from tinynet.cli import main

raise SystemExit(main())
