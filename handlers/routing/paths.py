"""Dotted paths into a payload: `status.name`, `status.0.name`, `resources.icon.alias`.

A path walks into lists with "any element" semantics: `status.name` on
`{"status": [{"name": "A"}, {"name": "B"}]}` finds both "A" and "B". A segment made of
digits indexes a list (`status.0.name` finds only "A"). A segment that names nothing
found yields nothing; a path that finds nothing at all is *missing*.
"""


def split_path(path):
    return [segment for segment in str(path).split(".")]


def resolve(payload, path):
    """Every value the path reaches, in document order; [] when the field is missing."""
    found = [payload]
    for segment in split_path(path):
        found = [reached for value in found for reached in _step(value, segment)]
        if not found:
            return []
    return found


def _step(value, segment):
    if isinstance(value, dict):
        if segment in value:
            yield value[segment]
        return
    if isinstance(value, list):
        if segment.isdigit():
            index = int(segment)
            if index < len(value):
                yield value[index]
            return
        for element in value:  # "any element": step into each one
            yield from _step(element, segment)


def leaves(values):
    """The values, with lists opened (recursively): what equality and friends compare."""
    for value in values:
        if isinstance(value, list):
            yield from leaves(value)
        else:
            yield value
