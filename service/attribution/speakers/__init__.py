"""Who said it: the speaker's head word from the parse (``heads``), its mention and name
(``mentions``), candidates ranked by a learned model (``ranking``), and mentions resolved to the
document's entities (``resolution``)."""
