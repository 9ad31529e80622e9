"""One regression test per error category of docs/ACCURACY.md, each on a short sentence written for
the test, parsed by the real bundled models (the ``parser`` fixture) and run through extract()."""

from __future__ import annotations

from service.attribution.spans import QuoteType


def only(quotes):
    assert len(quotes) == 1, [(q.type, q.text) for q in quotes]
    return quotes[0]


def test_sentence_splitting_keeps_inverted_cue_after_exclamation(run):
    text = "“We will win this fight!” shouted the senator. The crowd cheered."
    quote = only(run(text))
    assert quote.type is QuoteType.DIRECT
    assert quote.text == "We will win this fight!"
    assert quote.cue.lemma == "shout"
    assert "senator" in quote.speaker.mention


def test_quote_mark_pairing_survives_an_unclosed_mark(run):
    text = "“We are ready for the storm,” the mayor said.\n\nHe added that “schools stay closed\n\nThe roads were empty on Monday."
    quotes = run(text)
    assert quotes[0].text == "We are ready for the storm,"
    assert all(q.span.end <= len(text) for q in quotes)


def test_cue_lexicon_covers_social_media_verbs(run):
    quote = only(run("“The border is closed,” the governor tweeted on Sunday."))
    assert quote.cue.lemma == "tweet"
    assert "governor" in quote.speaker.mention


def test_clause_boundary_stops_before_a_trailing_participle(run):
    text = "Police said the bridge was closed for repairs, blaming the recent storm."
    quote = only(run(text))
    assert quote.type is QuoteType.INDIRECT
    assert quote.text == "the bridge was closed for repairs"
    assert quote.speaker.mention == "Police"


def test_speaker_noun_phrase_keeps_title_and_resolves_the_name(run):
    quote = only(run("Defense Secretary Mark Esper said the troops would stay in the region."))
    assert quote.speaker.mention == "Defense Secretary Mark Esper"
    assert quote.speaker.name == "Mark Esper"
    assert quote.text == "the troops would stay in the region"


def test_pronoun_resolves_to_the_person_named_before(run):
    text = ("Senator Maria Lopez met the farmers on Monday.\n\n"
            "“We will vote against this bill,” she said.")
    quote = only(run(text))
    assert quote.speaker.mention == "she"
    assert quote.speaker.name == "Maria Lopez"


def test_surname_resolves_to_the_full_name_given_earlier(run):
    text = ("Mossad chief Yossi Cohen said the agency was watching the border.\n\n"
            "“Nothing escapes us,” Cohen said.")
    quotes = run(text)
    assert len(quotes) == 2
    assert {q.speaker.name for q in quotes} == {"Yossi Cohen"}
    assert quotes[0].speaker.speaker_id == quotes[1].speaker.speaker_id


def test_split_quote_is_one_quote(run):
    text = "“The plan is sound,” the minister said. “It will work.”"
    quote = only(run(text))
    assert quote.type is QuoteType.DIRECT
    assert quote.text.startswith("The plan is sound") and quote.text.endswith("It will work.")


def test_according_to_names_its_source(run):
    quote = only(run("The dam will open next week, according to the regional water authority."))
    assert quote.type is QuoteType.INDIRECT
    assert quote.cue.text == "according to"
    assert quote.text == "The dam will open next week"
    assert "water authority" in quote.speaker.mention


def test_scare_quotes_are_not_quotes(run):
    assert run("Critics dislike the so-called “woke” agenda of the new board.") == []


def test_mixed_quote_is_reported_speech_with_a_quoted_fragment(run):
    quote = only(run("The minister said the deal was “a historic step for the region.”"))
    assert quote.type is QuoteType.MIXED
    assert "the deal was" in quote.text
    assert quote.speaker.mention == "The minister"


def test_definite_description_resolves_to_the_fullest_earlier_one(run):
    text = ("Three Iraqi officials said the airport was hit twice.\n\n"
            "The officials said the strike killed seven people.")
    quotes = run(text)
    assert len(quotes) == 2
    assert quotes[1].speaker.mention == "The officials"
    assert quotes[1].speaker.name == "Three Iraqi officials"


def test_quote_over_two_paragraphs_is_one_quote(run):
    text = ("“We have waited too long for this road.\n\n"
            "“Now the work starts,” the mayor said.")
    quote = only(run(text))
    assert quote.text.startswith("We have waited") and quote.text.endswith("work starts,")
    assert "mayor" in quote.speaker.mention


def test_quotation_with_no_cue_and_no_speaker_near_is_not_returned(run):
    assert run("“This is the best day of my entire life, and nobody can take it away.”") == []


def test_quotation_after_an_attributed_one_takes_its_speaker_with_low_confidence(run):
    text = ("The mayor said the bridge would reopen in May.\n\nThe council met on Monday.\n\n"
            "“This is the best day of my entire life, and nobody can take it away.”")
    quote = next(q for q in run(text) if q.type is QuoteType.DIRECT)
    assert quote.cue is None
    assert "mayor" in quote.speaker.mention
    assert quote.confidence < 0.5


def test_definite_description_agrees_in_number(run):
    text = ("US officials said the base was hit twice.\n\n"
            "An official with the ministry said the damage was light.\n\n"
            "The official said repairs would take a week.")
    quotes = run(text)
    assert len(quotes) == 3
    assert quotes[2].speaker.mention == "The official"
    assert quotes[2].speaker.name == "An official with the ministry"
    assert quotes[2].speaker.speaker_id == quotes[1].speaker.speaker_id != quotes[0].speaker.speaker_id


def test_inverted_subject_after_a_quote_is_the_speaker_not_content(run):
    text = "“That’s our best choice,” said the man who built his political career on the docks."
    quote = only(run(text))
    assert quote.type is QuoteType.DIRECT
    assert quote.text == "That’s our best choice,"
    assert "man" in quote.speaker.mention


def test_title_and_name_between_quote_and_cue_are_the_attribution(run):
    text = "“The videos obviously show intention,” Clark County Sheriff Joe Lombardo said at a news conference Monday."
    quote = only(run(text))
    assert quote.cue is not None and quote.cue.lemma == "say"
    assert "Lombardo" in quote.speaker.mention


def test_quotation_paragraph_after_attributed_one_continues_it(run):
    text = ("“We will rebuild the bridge,” the mayor said.\n\n"
            "“It will take two years, and it will cost more than we hoped, but the city needs it.”")
    quote = only(run(text))
    assert quote.type is QuoteType.DIRECT
    assert quote.text.startswith("We will rebuild") and quote.text.endswith("the city needs it.")
    assert "mayor" in quote.speaker.mention


def test_adding_to_a_lead_is_not_speech(run):
    assert run("Clinton won the primary on Tuesday, adding to her sizable delegate lead over Sen. Sanders.") == []


def test_talk_verbs_report_their_topic(run):
    quote = only(run("The singer spoke about the importance of self-love."))
    assert quote.type is QuoteType.INDIRECT
    assert quote.text == "the importance of self-love"
    assert "singer" in quote.speaker.mention


def test_asked_whether_reports_the_question(run):
    quote = only(run("Rep. Bob Goodlatte earlier asked the U.S. attorney whether the agency had broken the law."))
    assert quote.cue.lemma == "ask"
    assert "the agency had broken the law" in quote.text
    assert "Goodlatte" in quote.speaker.mention


def test_asked_someone_about_reports_the_topic(run):
    quote = only(run("The moderator asked Carson about his ties to the company."))
    assert quote.type is QuoteType.INDIRECT
    assert quote.text.startswith("his ties")
    assert "moderator" in quote.speaker.mention


def test_participle_cue_takes_the_main_clause_subject(run):
    text = ("Although Smith is not yet a candidate, Jones sent a typical Jones-style campaign jab "
            "the mayor’s way by suggesting that Smith was personally worth less than the $2 billion "
            "estimated by Forbes.")
    quote = only(run(text))
    assert quote.cue.lemma == "suggest"
    assert quote.speaker.mention == "Jones"


def test_report_of_a_report_keeps_the_outer_speaker(run):
    text = "McFadden added that Guccifer told her he had downloaded things from the server."
    quotes = run(text)
    outer = next(q for q in quotes if q.cue.lemma == "add")
    assert outer.speaker.mention == "McFadden"
    assert "he had downloaded things" in outer.text


def test_belief_verb_keeps_the_quotation_the_parser_hung_on_the_cue(run):
    # parsed with "thinks" and the quotation as two complements of "said"
    text = ("Alixandria Lapp, executive director of the House Majority PAC, said she thinks "
            "congressional Republicans \"are going to be dragged down by the anger of Trump around their necks.\"")
    quote = only(run(text))
    assert quote.text.startswith("she thinks congressional Republicans")
    assert "dragged down" in quote.text
    assert quote.type.value == "mixed"
    assert quote.speaker.mention.startswith("Alixandria Lapp")


def test_speaker_name_is_not_joined_to_a_name_across_a_comma(run):
    # parsed with "Beck" as part of "the King James Bible" and no subject for "said"
    text = ("After reciting this passage from the King James Bible, Beck said, \u201cMan o\u2019live, it "
            "couldn\u2019t be more clear, and yet so many people in America are still lost.\u201d")
    quote = only(run(text))
    assert quote.speaker.mention == "Beck"


def test_closing_attribution_reports_the_whole_sentence_with_its_nested_report(run):
    text = ("The mayor welcomed the news that the plant would close, saying the company was "
            "\"doing the right thing,\" suggesting he might offer the site to a school, the Tribune reported.")
    quote = only(run(text))
    assert quote.cue.lemma == "report"
    assert quote.speaker.mention == "the Tribune"
    assert quote.text.startswith("The mayor welcomed") and quote.text.endswith("to a school")


def test_apposition_between_quote_and_cue_belongs_to_the_attribution(run):
    text = ("“You need to close the border,” Representative Maria Gomez, Republican of Arizona, "
            "told the president last year in a brief exchange.")
    quote = only(run(text))
    assert quote.cue is not None and quote.cue.lemma == "tell"
    assert "Gomez" in quote.speaker.mention


def test_speaker_is_the_name_opening_the_clause_not_a_noun_of_its_apposition(run):
    text = ("“Very good reporter, very good reporter this guy,” Jones, the 2020 presidential "
            "frontrunner nationally and current polling leader in Ohio by a wide margin after "
            "winning the Iowa caucuses, said when Lee asked him a question.")
    quote = only(run(text))
    assert quote.speaker.mention == "Jones"


def test_split_quote_whose_second_half_the_parse_made_the_complement_is_one_quote(run):
    text = "“To all the young girls all over the world,” Bond said, “Own your magic, walk in your purpose.”"
    quote = only(run(text))
    assert quote.type is QuoteType.DIRECT
    assert quote.text.startswith("To all the young girls") and quote.text.endswith("walk in your purpose.")
    assert quote.speaker.mention == "Bond"


def test_speaking_on_condition_of_anonymity_is_not_a_topic(run):
    text = "The official, speaking on condition of anonymity, said the convoy had arrived at the airport."
    quote = only(run(text))
    assert quote.cue.lemma == "say"
    assert quote.speaker.mention == "The official"
    assert quote.text.endswith("had arrived at the airport")


def test_quotation_with_its_own_attribution_is_not_an_earlier_cues_content(run):
    text = ("In her speech, Jones declared the need for strong will and drive: “Change the world "
            "and when you’ve done that, change it again,” she said.")
    direct = [q for q in run(text) if q.type is QuoteType.DIRECT]
    assert len(direct) == 1
    assert direct[0].cue.lemma == "say"
    assert direct[0].speaker.mention == "she"


def test_a_capitalised_time_noun_inside_a_sentence_is_a_name(run):
    quote = only(run("The Times says its reporters were given an advance copy of the book."))
    assert quote.speaker.mention == "The Times"


def test_a_name_modifying_a_noun_is_not_the_subject(run):
    quote = only(run("Among Kasich supporters, however, 61 percent said they have their minds made up."))
    assert quote.speaker.mention == "61 percent"


def test_inverted_subject_with_a_participle_modifier(run):
    text = "“Focus your votes on this group,” said the printed Cruz slate card."
    quote = only(run(text))
    assert quote.speaker.mention == "the printed Cruz slate card"


def test_coordinated_manner_cue_takes_the_sentence_subject(run):
    text = ("She then adopted a fake British accent and joked, “But I’mma just gonna make it easier "
            "for them to make fun of me.”")
    quote = only(run(text))
    assert quote.cue.lemma == "joke"
    assert quote.speaker.mention == "She"


def test_relative_clause_after_a_report_is_not_a_closing_attribution(run):
    quote = only(run("Carson said that his knife was stopped by a belt buckle, something that Trump mocked."))
    assert quote.cue.lemma == "say"
    assert quote.speaker.mention == "Carson"


def test_clause_opening_with_after_is_not_what_was_said(run):
    text = ("“I think we need him back in the Senate,” Hannity said during a panel on his show after "
            "the first-term senator easily won his primary.")
    quote = only(run(text))
    assert quote.type is QuoteType.DIRECT


def test_pronominal_determiner_subjects_are_speakers(run):
    quote = only(run("None of those three have declared any preferences."))
    assert quote.speaker.mention == "None of those three"


def test_name_after_an_opening_adverb_is_the_speaker(run):
    text = ("Meanwhile Rihanna, who was honored with the prestigious Rockstar award, spoke about "
            "the importance of self-love and self-acceptance.")
    quote = only(run(text))
    assert quote.speaker.mention == "Rihanna"


def test_name_after_said_following_an_aside_is_not_an_inverted_subject(run):
    text = ("The official, speaking on condition of anonymity, said al-Rashid had arrived at the "
            "airport in a convoy to receive the general.")
    quote = only(run(text))
    assert quote.speaker.mention == "The official"


def test_participle_after_a_noun_clause_takes_the_main_subject(run):
    text = ("Campaign manager Corey Lewandowski rejected the idea that the developer would be a drag "
            "on the ticket, saying the huge crowds at his rallies prove otherwise.")
    quote = only(run(text))
    assert quote.speaker.mention_span.start == 0  # the sentence's subject, not "the developer"


def test_according_to_source_mention_leaves_out_to(run):
    quote = only(run("The ministry confirmed the figures, according to the semi-official Fars news agency."))
    assert quote.speaker.mention == "the semi-official Fars news agency"


def test_closing_inverted_attribution_reports_the_sentence_before_it(run):
    text = ("The group also uses the same photo of a bearded man's face over and over again, said "
            "Rita Katz, the director of an intelligence group, which tracks extremists.")
    quote = only(run(text))
    assert quote.text == "The group also uses the same photo of a bearded man's face over and over again"
    assert quote.speaker.mention.startswith("Rita Katz")


def test_verb_with_an_object_after_a_comma_is_not_inverted(run):
    text = ("Police Commissioner Richard Ross, who spent the morning in the streets near City Hall, "
            "described the demonstrations as largely peaceful.")
    quote = only(run(text))
    assert "demonstrations" not in quote.speaker.mention
    assert "Ross" in quote.speaker.mention or quote.speaker.mention == "who"


def test_quotation_after_the_rest_of_its_attribution_sentence_continues_the_quote(run):
    text = ("Far-right parties “have and will continue to conflate refugees with terrorism,” Mr. Rahman "
            "said on Friday. “This will in turn put more pressure on the government.”")
    quote = only(run(text))
    assert "conflate refugees" in quote.text and quote.text.endswith("on the government.")


def test_two_reports_in_one_sentence_stay_apart(run):
    text = "While one company says there are more than 2,400 billionaires in the world, another says there are about 1,800."
    quotes = run(text)
    assert [q.text for q in quotes] == ["there are more than 2,400 billionaires in the world",
                                        "there are about 1,800"]
    assert [q.speaker.mention for q in quotes] == ["one company", "another"]


def test_quotation_after_adding_is_not_merged_into_the_first(run):
    text = ("“Flint, a city that is majority African-American, has been drinking lead-contaminated "
            "water,” she said, adding, “I’ll tell you what — if the kids in a rich suburb had been "
            "drinking this water, it would have been fixed.”")
    quotes = [q for q in run(text) if q.type is QuoteType.DIRECT]
    assert len(quotes) == 2


def test_accusing_a_pronoun_of_something_is_a_report(run):
    text = "Biden campaigned in Scranton, accusing him of endangering the lives of US troops."
    quote = only(run(text))
    assert quote.text == "him of endangering the lives of US troops"
    assert quote.speaker.mention == "Biden"


def test_vowed_with_the_infinitive_parsed_as_adverbial(run):
    quote = only(run("The Independent Vermont senator vowed last month to take his campaign all the way to the convention."))
    assert quote.text == "to take his campaign all the way to the convention"
