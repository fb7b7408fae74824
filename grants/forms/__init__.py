"""Forms of the grant pages, one module per group of people, like the views."""
