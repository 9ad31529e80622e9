"""Clause finders: one module per shape of reported speech, tried in the order of ``registry``.

    complement       officials said [the strike killed ...]; said [yes]
    parenthetical    [The plan], a source said, [is to ...]; [X], said Rita Katz, ...
    surface          CUE ... that [CLAUSE] / Iran said [it had ...] read off the word order
    according_to     [X happened], according to Y
    objects          praised [X], spoke about [X], called [it "reckless"]
    quotations       quotations no clause took: adjacent cue, colon, split halves, context
    nested           what a clause must not keep (another report, its own attributed quotation)
"""
