"""Cues that a sentence of a free-form response is, or is not, something the respondent did.

Used by ``respond.free_actions``: conditionals, another body's reported words, forecasts, a
plan as the subject of a descriptive "will", counterfactuals and "we have reviewed the
concerns raised" framing are not actions; an imperative line with a timing ("Review the
discharge checklist – by March 2026") is one, although it names no agent."""
from __future__ import annotations

import re

_P = re.compile
_I = re.I

# not what the respondent did: a conditional procedure ("If circumstances have changed, …
# will be contacted"), another body's words reported ("MHRA have told us that they will …",
# "We understand that TfL has …"), a forecast ("It is expected that the strategy will be
# published"), a plan or reform as the subject of a descriptive "will" ("The 10 Year Health
# Plan will focus on …", "The reforms will support …")
_NOT_DONE = [
    _P(r"^(?:If|Should|Unless|Where|In\s+the\s+event\s+(?:that|of))\b[^,]{3,160},", _I),
    # a possibility, not a deed: "This may require careful negotiation …", "could lead to"
    _P(r"^(?:[\w’'()-]+,?\s+){0,8}?(?:may|might|could)\s+(?!have\s+been\s+(?:done|completed))"),
    _P(r"\b(?:have|has|had)\s+(?:told|informed|advised|assured|notified)\s+(?:us|me)\b|"
       r"\b(?:have|has|had)\s+confirmed\s+to\s+(?:us|me)\b", _I),
    _P(r"^(?:We|I)\s+(?:understand|are\s+aware|am\s+aware|have\s+been\s+(?:told|informed|advised))\s+(?:that\s+)?"
       r"(?!(?:my|our|we|I)\b)(?:the\s+)?[A-Z]", 0),
    _P(r"^(?:It\s+is|It['’]s)\s+(?:likely|expected|anticipated|hoped|understood|envisaged)\s+that\b", _I),
    _P(r"\b(?:we|I)\s+understand\s+that\b|\bit\s+is\s+(?:likely|expected|anticipated|hoped)\s+that\b|"
       r"^The\s+(?:expectation|hope|aim)\s+is\s+that\b", _I),
    # an obligation on others, not a deed of the respondent: "All universities … will be required to
    # publish …", "They will need to provide students with training …"
    _P(r"\bwill\s+(?:also\s+)?(?:be\s+required|need|have)\s+to\b", _I),
    # a procedure, not a deed: "When a patient's leave is being planned, contingencies will be considered"
    _P(r"^(?:When|Whenever|Once|Where)\s+(?!(?:we|I)\b)[^,]{3,120},\s+(?!(?:we|I)\b)[^.]*?\bwill\s+be\s+\w+(?:ed|en)\b", _I),
    # what something done leads to, not a deed: "This will enable us to better quantify …"
    _P(r"^(?:This|These|That|It|Which)\s+will\s+(?:also\s+)?(?:enable|allow|help|mean|make)\b", _I),
    # a negated deed and nothing promised: "monitoring of the service had not identified any risk",
    # "we currently have no plans to …"
    _P(r"^(?!.*\b(?:will|shall|are\s+being|is\s+being|now)\b).*\b(?:(?:has|have|had|did|was|were)\s+not\s+(?:yet\s+)?(?:been\s+)?\w+(?:ed|en)\b"
       r"|(?:have|has)\s+no\s+plans?\b)", _I),
    # what the actions are for, not an action: "These actions aim to enhance patient safety"
    _P(r"^(?:These|This|The|Such|All\s+(?:these|of\s+these))\s+(?:[\w-]+\s+){0,3}?(?:actions?|measures?|changes?|steps|"
       r"initiatives?|improvements?)\s+(?:aim|aims|are\s+intended|is\s+intended|seek|seeks|are\s+designed|is\s+designed)\s+to\b", _I),
    _P(r"^(?:The|This|These|Its|Our|Their)\s+(?:[\w’'-]+\s+){0,5}?(?:[Pp]lan|[Ss]trategy|[Ff]ramework|reforms?|"
       r"[Pp]olicy|guidance|[Pp]rogramme|changes?|approach|[Ss]tandards?)\s+will\s+(?:also\s+)?"
       r"(?:focus|support|include|help|ensure|provide|enable|mean|allow|cover|build|set\s+out|address|be\s+based|"
       r"reflect|underpin|put)\b"),
]
# an imperative heading or plan line with a timing: "Review the discharge policy – by March
# 2025", "Engage with ICBs: Q4 2024", "Deliver refresher training (completed June 2024)"
_IMPERATIVE = _P(r"^(?:\d{1,2}[.)]\s*)?(?:Review|Develop|Implement|Introduce|Update|Establish|Engage|Deliver|Publish|"
                 r"Roll\s+out|Train|Audit|Launch|Create|Agree|Complete|Share|Set\s+up|Provide|Ensure|Improve|"
                 r"Strengthen|Embed|Recruit|Commission|Revise|Amend|Issue|Circulate|Monitor|Consult|Work\s+with|"
                 r"Write\s+to|Reinforce|Refresh|Undertake|Carry\s+out)\s+\w")
_TIMING = _P(r"\b(?:by|before|from|due|until|in|during)\s+(?:the\s+)?(?:end\s+of\s+)?(?:(?:\d{1,2}(?:st|nd|rd|th)?\s+)?"
             r"(?:January|February|March|April|May|June|July|August|September|October|November|December)|spring|summer|"
             r"autumn|winter)\s+20\d\d\b|\bQ[1-4]\s*20\d\d\b|\b20\d\d/\d\d\b|"
             r"\b(?:completed|complete|ongoing|in\s+progress|by\s+\d{1,2}/\d{1,2}/\d{2,4})\b", _I)


def imperative_with_timing(s: str) -> str | None:
    """'will' or 'done' for an imperative line that carries a timing or status, else None."""
    if not _IMPERATIVE.match(s) or not _TIMING.search(s):
        return None
    return "done" if re.search(r"\bcompleted?\b", s, re.I) else "will"


# reading the report is framing: "We have reflected on the circumstances … and have reviewed
# the concerns raised" says nothing was done unless something else in the sentence was
_FRAMING = _P(r"\b(?:have|has|had)\s+(?:now\s+|also\s+|carefully\s+|fully\s+)*(?:reflected\s+(?:up)?on|considered|reviewed|read|"
              r"looked\s+(?:at|into))\s+(?:carefully\s+)?(?:the\s+|your\s+|this\s+)?(?:circumstances|concerns?|report|letter|"
              r"findings|matters?\s+(?:of\s+concern\s+)?raised|matters?\s+of\s+concern)\b", _I)


def not_done(s: str, tense_of) -> bool:
    """Not an action of the respondent's; ``tense_of`` (respond.tense_of) says whether what is
    left of a framing sentence still says something was done."""
    if any(p.search(s) for p in _NOT_DONE) or re.search(
            r"\b(?:would|should|could|might|may)\s+(?:not\s+)?have\s+(?:been\s+)?\w+(?:ed|en|t)\b", s, re.I):
        return True  # a counterfactual ("These would have been identified …") did not happen
    if _FRAMING.search(s):
        return tense_of(_FRAMING.sub(" ", s)) is None
    return False


# noting and expecting ("I note that your Report has also been sent to …", "We would expect this
# to comment …", "We recommend that all staff …" — advice to others) and work on the letter itself
# ("colleagues have been consulted on my response")
MORE_NOISE = _P(r"^(?:I|We)\s+(?:also\s+)?(?:note|noted)\b|\b(?:we|I)\s+would\s+(?:also\s+)?expect\b|"
                 r"^(?:We|I)\s+(?:would\s+)?(?:strongly\s+)?(?:recommend|advise|advocate)\b|"
                 r"\b(?:on|in|for|into|to)\s+(?:my|our|this)\s+(?:response|reply|letter)\b(?!\s+(?:to|was|is)\b)|"
                 r"\bkeen\s+to\s+(?:assure|reassure|stress|emphasise)\b|^(?:In\s+)?(?:formulating|preparing)\s+(?:this|our|my)\b|"
                 r"^(?:We|I)\s+(?:have\s+been|were)\s+asked\s+to\b|(?:provided|given|explained|addressed)\s+below\b|"
                 r"\b(?:we|I)\s+(?:would\s+)?(?:recommend|advise)\s+that\b|\bI\s+am\s+writing\s+to\b|"
                 r"^(?:[^,]{0,80},\s+)?(?:we|I)\s+(?:attach|enclose|have\s+attached|have\s+enclosed|are\s+attaching|are\s+enclosing)\b|"
                 r"^You\s+(?:have\s+)?(?:also\s+)?(?:raised|expressed|noted|highlighted|mentioned|recommended|asked)\b|"
                 r"^(?:[^,]{0,40}?(?:,\s+|\s))?(?:we|I)\s+remain\s+(?:fully\s+)?committed\b|"
                 r"\bcommitted\s+to\s+(?:taking|doing)\s+(?:all|every|whatever)\b|"
                 r"^(?:The\s+)?[\w()’' -]{2,60}?\s+is\s+(?:a|an|the)\s+(?:leading\s+|national\s+|independent\s+|registered\s+)?"
                 r"(?:charity|professional|membership|body|organisation|regulator|statutory)\b|"
                 r"^It\s+should\s+be\s+(?:noted|remembered|recognised)\b|^It\s+is\s+(?:usually|generally|often|normally)\s+the\s+case\b|"
                 r"^(?:We|I)\s+would\s+be\s+(?:happy|pleased|glad|delighted)\s+to\b|"
                 r"^(?:We|I)\s+(?:also\s+)?(?:believe|consider|feel|think)\b|"
                 r"^(?:Outlined|Set\s+out|Detailed|Described|Highlighted|Raised)\s+(?:within|in)\s+(?:the|your|this)\b|"
                 r"\bconcerns?\s+raised\s+by\s+(?:the\s+Coroner|HM\s+Coroner|you)\b[^.]*\b(?:noted|identified)\s+as\b", _I)


# any verb in the perfect ("has now been produced", "have been addressed", "had undertaken"), or
# a simple past with the respondent as subject ("the service launched", "WSFT also undertook"),
# minus verbs of knowing, saying and feeling, which report no action ("have been told", "we
# believed", "has been noted")
_NOT_ACTS = (r"(?:told|informed|advised|noted|seen|heard|known|found|said|shown|believed|hoped|felt|thought|"
             r"expected|understood|recognised|recognized|acknowledged|accepted|wanted|needed|suggested|"
             r"concluded|failed|happened|occurred|been|got|become|asked|alleged|reported|observed|"
             r"stated|highlighted|identified|mentioned|experienced|suffered|died|passed|attended|presented|listened|reflected|"
             r"considered|consulted|indicated|focused|focussed|consisted|sustained|exposed|enabled|meant|allowed|"
             r"caused|contributed|led\s+to|shared\s+(?:our|my)\s+(?:thoughts|condolences)|wished|tried|"
             r"attempted|struggled|been\s+unable|set\s+out|outlined|described|explained|detailed|summarised)")
_PERFECT = _P(rf"\b(?:has|have|had)\s+(?:(?:now|also|already|recently|since|further|jointly|subsequently|specifically|"
              rf"successfully|therefore|both|all|continued\s+to)\s+){{0,2}}(?:been\s+)?(?:\w+ly\s+)?"
              rf"(?!{_NOT_ACTS}\b)(?:\w+(?:ed|en|wn)|built|sent|put\s+in\s+place|held|met|made|taken|undertaken|begun|written|"
              rf"brought|sought|taught|run|spent|given)\b", _I)
_ORG_SUBJECT = (r"(?:(?i:we|the\s+(?:service|Trust|College|Council|Department|team|organisation|Board|company|Society|"
                r"Association|Agency|Commission|Government|Ministry|directorate|hub))|I|[A-Z][A-Za-z]*[A-Z][A-Za-z]*)")
_PAST_ACT = _P(rf"(?:^|,\s+|\band\s+|\b(?:19|20)\d\d\s+){_ORG_SUBJECT}\s+(?:also\s+|then\s+|subsequently\s+|recently\s+|have\s+)?"
               rf"(?!{_NOT_ACTS}\b)(?:\w+ed|undertook|wrote|began|held|made|took|sent|set\s+up|ran|built|gave)\b")
_PAST_PASSIVE = _P(r"\b(?:was|were)\s+(?:also\s+|then\s+|subsequently\s+)?(?:added|sent|shared|updated|revised|created|"
                   r"produced|delivered|provided|developed|rolled\s+out|circulated|trained|reviewed|distributed|"
                   r"disseminated|addressed|strengthened|changed|amended|written)\b", _I)




def done_by_form(s: str) -> bool:
    """A perfect ("have been addressed"), the respondent's simple past ("the service launched") or a
    passive past of a deed ("two new sections were added"), not negated."""
    if re.search(r"\b(?:not|never|no\s+longer|no\s+plans?)\b", s, re.I):
        return False
    return bool(_PERFECT.search(s) or _PAST_ACT.search(s) or _PAST_PASSIVE.search(s))
