"""Number formats the product uses where Django's locale data differs: see zh_Hans."""
