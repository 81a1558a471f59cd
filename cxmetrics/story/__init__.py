"""The all-hands story: what a period's numbers say, in words, in a waterfall and in a deck.

Modules: `numbers` (how a number is written), `wording` (metric results said in plain
words), `periods` (partial and empty periods said honestly), `explain` (a change split
into rate and mix by team), `stars` (the stars a story shows, with the month's when a
week has none), `headline` (what changed for real, what is off target, stars and
praise), `gather` (every read a story needs, in one place), `deck` with `deck_parts`
and `deck_charts` (the PowerPoint deck with native charts and speaker notes).
Nothing here writes SQL: the numbers come from the engine, recognition and org.
"""
