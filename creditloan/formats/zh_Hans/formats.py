# Django's Chinese locale groups no digits, so "3038983" reads as one long number; Chinese financial writing
# groups by thousands with a comma (3,038,983). Only numbers formatted with grouping asked for (floatformat
# "g") change: ids and form values are never grouped (USE_THOUSAND_SEPARATOR stays off).
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
