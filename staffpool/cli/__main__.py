from staffpool.cli import main

raise SystemExit(main())
