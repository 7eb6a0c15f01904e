"""The AWS templates: what Chalice does not create, merged into its SAM template by ``make package``."""
