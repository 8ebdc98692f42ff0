"""What a response letter does: answers a report, names who it speaks for, says what was done.

* ``response_signals(text)`` — many weak signals that a text answers a coroner's report (or an
  inspection or review), each with a weight; their sum is ``response_score``. No single phrase
  decides: a letter may thank the coroner, open with condolences, or go straight to "the
  matters of concern in turn", and many never say "Regulation 28" or "response".
* who is writing: ``corpus.extract.respondent``.
* ``free_actions(text, owner)`` — each sentence that says what was done, is being done or
  will be done, with owner (another organisation when the sentence's subject names one),
  due date and status; preambles, restated concerns, condolences and background are not
  actions, and one letter's duplicates are merged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.extract.common import FILL
from corpus.extract.respondent import ORG_WORDS, clean_org
from corpus.orgs import mentions, short_name

_P = re.compile
_I = re.I

# ------------------------------------------------------------------ is it a response?

_SIGNALS: list[tuple[str, re.Pattern[str], float, int]] = [
    ("addressed to a coroner", _P(r"\b(?:Dear\s+(?:Sir|Madam|Coroner|Mr|Mrs|Ms|Miss|Dr|HM)|(?:Senior|Area|Assistant|HM)\s+Coroner|the\s+Coroner\b)", _I), 1.0, 2),
    ("names the report", _P(r"\b(?:Regulation\s*28|Reg\.?\s*28|Prevention\s+of\s+Future\s+Deaths?|Prevent(?:ing)?\s+Future\s+Deaths|PFD\s+report|your\s+report|the\s+report)\b", _I), 1.0, 3),
    ("refers to the inquest or death", _P(r"\b(?:inquest|death\s+of|sad(?:dened)?\s+(?:death|to\s+(?:read|learn|hear))|tragic\s+death|the\s+late\s+)", _I), 0.8, 3),
    ("answers concerns", _P(r"\b(?:(?:matters?|areas?)\s+of\s+concern|concerns?\s+(?:you\s+)?(?:raised|set\s+out|identified|expressed)|you\s+(?:raised|expressed|note[d]?|highlight(?:ed)?|mentioned|recommended)|your\s+concerns?|Response\s+to\s+Concern|in\s+response\s+to)\b", _I), 1.0, 3),
    ("thanks or condolences", _P(r"\b(?:thank\s+you\s+for\s+(?:your|sending|bringing)|condolences|deeply\s+saddened|sincere(?:ly)?\s+sorry)\b", _I), 0.7, 2),
    ("first-person organisation", _P(r"\b(?:we\s+have\s+(?:reviewed|considered|reflected)|I\s+(?:write|am\s+writing|am\s+replying|am\s+responding)|on\s+behalf\s+of|this\s+letter|this\s+response|our\s+response)\b", _I), 0.8, 3),
    ("says what was done", _P(r"\b(?:we\s+(?:will|have|are)\s+\w+|(?:has|have)\s+(?:now\s+)?(?:been\s+)?(?:implemented|introduced|undertaken|reviewed|updated|developed|appointed|launched)|assurance)\b", _I), 0.4, 3),
    ("signs off", _P(r"\b(?:Yours\s+(?:sincerely|faithfully)|Kind\s+regards|I\s+hope\s+(?:this|that)\s+(?:response|letter|the\s+above)|I\s+trust\s+(?:this|that)\s+(?:response|letter|note))", _I), 0.7, 1),
]
# a PFD report itself carries these boxes: strong evidence against a letter
_REPORT_BOXES = _P(r"THIS REPORT IS BEING SENT TO|CORONER['’]?S LEGAL POWERS|ACTION SHOULD BE TAKEN")
_SCAN = 15_000


def response_signals(text: str) -> dict[str, float]:
    """Weighted, capped signals that ``text`` answers a report; {} for none."""
    t = text[:_SCAN].replace(FILL, " ")
    out: dict[str, float] = {}
    for name, pat, weight, cap in _SIGNALS:
        n = 0
        for _ in pat.finditer(t):
            n += 1
            if n >= cap:
                break
        if n:
            out[name] = round(weight * n, 2)
    boxes = len(set(m.group(0) for m in _REPORT_BOXES.finditer(t)))
    if boxes >= 2:
        out["report boxes"] = -4.0 * boxes
    return out


def response_score(text: str) -> float:
    return round(sum(response_signals(text).values()), 2)


RESPONSE_MIN = 3.0  # a document with at least this score is a response, whatever its type
# a document with at least one weak sign of answering something (and no report boxes) is still
# scored against the reports; index.responses.linking asks a surer link the lower its score
CANDIDATE_MIN = 0.4


# ------------------------------------------------------------------ what was done

# Cues that a sentence of a free-form response is, or is not, something the respondent did:
# conditionals, another body's reported words, forecasts, a plan as the subject of a descriptive
# "will", counterfactuals and "we have reviewed the concerns raised" framing are not actions; an
# imperative line with a timing ("Review the discharge checklist – by March 2026") is one,
# although it names no agent.

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


def not_done(s: str) -> bool:
    """Not an action of the respondent's (a framing sentence is one unless what is left of it
    still says something was done: ``tense_of``)."""
    if any(p.search(s) for p in _NOT_DONE) or re.search(
            r"\b(?:would|should|could|might|may)\s+(?:not\s+)?have\s+(?:been\s+)?\w+(?:ed|en|t)\b", s, re.I):
        return True  # a counterfactual ("These would have been identified …") did not happen
    if _FRAMING.search(s):
        return tense_of(_FRAMING.sub(" ", s)) is None
    return False


# noting and expecting ("I note that your Report has also been sent to …", "We would expect this
# to comment …", "We recommend that all staff …" — advice to others) and work on the letter itself
# ("colleagues have been consulted on my response")
_MORE_NOISE = _P(r"^(?:I|We)\s+(?:also\s+)?(?:note|noted)\b|\b(?:we|I)\s+would\s+(?:also\s+)?expect\b|"
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



_DONE = _P(
    r"\b(?:(?:has|have)\s+(?:(?:now|also|already|recently|therefore|since|subsequently|further|jointly|formally|"
    r"successfully|accordingly|consequently|separately|both)\s+){0,2}(?:been\s+)?(?:implemented|introduced|undertaken|reviewed|updated|"
    r"developed|appointed|launched|established|issued|published|written|shared|raised|agreed|created|commissioned|"
    r"completed|engaged|expanded|utilised|used|drafted|met|made|put\s+in\s+place|set\s+up|begun|started|revised|"
    r"strengthened|increased|delivered|provided|trained|asked|sought|led|invested|allocated|received|conducted|"
    r"amended|changed|adopted|become|had|taken|carried\s+out|worked|held|audited|circulated|included|added|in\s+(?:contact|touch|discussions?)|"
    r"enhanced|improved|refreshed|re-?launched|rolled\s+out|embedded|approved|recruited|contacted|discussed)|"
    r"was\s+(?:undertaken|completed|introduced|implemented|launched|established|published|issued|held|drafted|agreed|"
    r"carried\s+out|commissioned|conducted|made|set\s+up|reviewed|updated|developed|appointed)|"
    r"were\s+(?:undertaken|completed|introduced|implemented|launched|established|published|issued|held|agreed|carried\s+out|"
    r"appointed|made|set\s+up)|"
    r"came\s+into\s+force|(?:we|I)\s+(?:implemented|introduced|undertook|reviewed|updated|developed|appointed|launched|"
    r"established|issued|published|wrote|shared|raised|agreed|created|commissioned|completed|engaged|expanded|met))\b",
    _I,
)
_DOING = _P(
    r"\b(?:(?:is|are)\s+(?:now\s+|also\s+|currently\s+|actively\s+)?(?:being\s+\w+ed|working|developing|reviewing|exploring|"
    r"undertaking|implementing|promoting|engaging|expanding|continuing|considering|building|preparing|planning|"
    r"progressing|updating|recruiting|seeking|liaising|supporting|leading|introducing|establishing|rolling|running|"
    r"chairing|increasing|investing|monitoring|piloting|delivering|developing|on\s+track|under\s*way|in\s+progress)|"
    r"continues\s+to|(?:we|I)\s+continue\s+to|work\s+is\s+(?:ongoing|under\s*way|in\s+progress)|is\s+expanding|ongoing)\b",
    _I,
)
_WILL = _P(
    r"\b(?:will(?!\s+(?:not\s+)?(?:be\s+)?(?:able|aware|known|recall|note|appreciate|understand|see|know|remember|"
    r"have\s+seen|be\s+aware))|shall|(?:plan|plans|planning|intend|intends|aim|aims|propose|proposes|proposing|expect|"
    r"expected|committed|commit|going)\s+to|are\s+due\s+to|is\s+due\s+to|would\s+look\s+to|(?:next|this|coming)\s+"
    r"(?:year|month|spring|summer|autumn|winter)|by\s+(?:the\s+end\s+of\s+)?(?:January|February|March|April|May|June|July|"
    r"August|September|October|November|December|spring|summer|autumn|winter|Q[1-4])|Q[1-4]\s+20\d\d)\b",
    _I,
)
# not actions: a letter's framing, sympathy, restated concerns, background and sign-off
_NOISE = [
    _P(r"\b(?:condolences|sympathies|thoughts\s+are\s+with|deeply\s+saddened|saddened\s+(?:to|by)|so\s+sorry|very\s+sorry|"
       r"sincerely\s+sorry|tragic\s+(?:death|loss|event)|devastating)\b", _I),
    _P(r"^(?:thank\s+you|I\s+(?:write|am\s+writing|refer)|(?:our|this|my)\s+(?:response|letter)\s+(?:is|sets|will|outlines|provides)|"
       r"please\s+(?:accept|do\s+not\s+hesitate|let\s+me|contact)|I\s+(?:hope|trust)\s+(?:this|that)|should\s+you\s+"
       r"(?:require|wish|need)|if\s+you\s+(?:require|have|would)|we\s+(?:hope|trust)\s+(?:this|that))", _I),
    _P(r"\b(?:our\s+response\s+is\s+(?:detailed|set\s+out)|(?:detailed|set\s+out)\s+below|as\s+follows\s*[:\-–]?\s*$|"
       r"(?:are|is)\s+repeated\s+below|for\s+ease\s+of\s+reference|(?:respond|responding|response)\s+to\s+(?:each\s+of\s+)?"
       r"(?:the|your)\s+(?:specific\s+)?(?:concerns?|matters?)\b(?:\s+(?:raised|in\s+turn))?\s*[.:]?$)", _I),
    _P(r"^(?:you\s+(?:raised|expressed|note[d]?|highlighted|mentioned|recommended|commented|have\s+observed|also\s+mentioned)|"
       r"your\s+(?:report|letter)\s+(?:raised|raises|highlights|notes|states|said|identified)|the\s+(?:concern|concerns|matters?)\s+"
       r"(?:raised|of\s+concern|in\s+your)|the\s+inquest\s+(?:heard|found|was\s+told)|in\s+your\s+report|"
       r"the\s+(?:Regulation\s+28\s+|PFD\s+)?report\s+(?:said|says|states|stated|notes|noted|raised|raises|highlights)|"
       r"the\s+inquest\s+was\s+(?:also\s+)?(?:told|advised|informed|shown))", _I),
    _P(r"\b(?:I\s+would\s+(?:also\s+)?like\s+to\s+(?:express|extend|offer|begin|say)|we\s+would\s+like\s+to\s+(?:begin|express|extend|thank))\b", _I),
    _P(r"\b(?:will\s+(?:share|provide)\s+a\s+copy\s+of\s+this\s+response|share\s+(?:a\s+copy\s+of\s+)?this\s+response\s+with\s+(?:her|his|their|the)\s+family)\b", _I),
]
# framing and general assurances, not actions: "we remain committed to ...", "I turn to your
# concern", "the response I am setting out below", "we have to strike the balance"
_NOISE.append(_P(r"^(?:We|I|The\s+\w+)\s+(?:remain|remains|are|is)\s+(?:fully\s+)?committed\s+to\s+(?:learning|continuous|"
                 r"improving|providing|ensuring|working)|\bI\s+(?:now\s+)?turn\s+to\b|\b(?:setting|set)\s+out\s+below\b|"
                 r"^(?:We|I)\s+(?:have|need)\s+to\s+(?:strike|balance|recognise|acknowledge)|^From\s+(?:talking|speaking)\s+with|"
                 r"^We\s+continue\s+to\s+take\s+all\s+(?:necessary|reasonable)\s+steps", _I))
_NOISE.append(_P(r"^(?:In|When|Before|For\s+the\s+purposes?\s+of)\s+(?:preparing|drafting|writing|compiling|producing)\s+"
                 r"(?:this|my|our|the)\s+(?:response|reply|letter)\b", _I))
# how the letter was prepared or what it will set out ("This response has been developed following
# input from …", "In order to respond to the matters of concern …, I have sought the assistance of
# …", "we outline below the actions …:"), a reading of the report ("Following review of the
# Regulation 28 Report it's recognised that …") and hopes ("we hope these initiatives will …")
_NOISE.append(_P(r"^(?:This|Our|My)\s+(?:response|reply|letter)\s+(?:has\s+been|was|is\s+being)\s+(?:\w+\s+)?"
                 r"(?:developed|prepared|written|drafted|produced|compiled|informed|coordinated|co-ordinated)\b|"
                 r"^(?:In\s+order\s+to|To)\s+(?:respond|reply)\s+to\s+(?:the|your|each)\b|"
                 r"\b(?:outline|outlined|describe|described|list|listed|summarise|summarised|detail)\s+below\b|"
                 r"^(?:Following|After|Having|On)\s+(?:a\s+|the\s+|our\s+|careful\s+)?(?:review|reading|consideration|receipt)\s+"
                 r"of\s+(?:the|your|this)\s+(?:[\w-]+\s+){0,3}?(?:report|letter|concerns?)\b[^.]{0,40}?\b(?:it\s+is|it['’]s)\s+"
                 r"(?:recognised|clear|noted|apparent|evident|acknowledged)\b|"
                 r"^In\s+(?:loving\s+)?memory\s+of\b|\b(?:we|I)\s+(?:sincerely\s+|very\s+much\s+|truly\s+)?hope\s+(?:that\s+)?"
                 r"(?:these|this|the|our|it|they)\b", _I))
# assurances, opinions and suggestions to others are not actions: "This Government takes road
# safety very seriously", "This government is committed to tackling suicide", "we consider that
# one Trust changing … will not address …", "we would suggest that their guidance is reviewed",
# and a letter pointing at itself ("we have set out above the progress we have made")
_NOISE.append(_P(r"\b(?:take|takes|taken|taking)\s+(?:[\w’'-]+\s+){0,10}?(?:very\s+|extremely\s+|most\s+|incredibly\s+)?"
                 r"seriously\b|^(?:This|The|Our|His\s+Majesty['’]s)\s+Government\s+(?:is|remains)\s+(?:fully\s+|firmly\s+|deeply\s+)?"
                 r"committed\s+to\b|^(?:On\s+reflection,?\s+|In\s+the\s+circumstances\b[^,]{0,80}?,?\s+)?(?:we|I)\s+"
                 r"(?:would\s+)?(?:consider|believe|feel|think|are\s+of\s+the\s+(?:view|opinion)|am\s+of\s+the\s+(?:view|opinion))"
                 r"\s+that\b|\b(?:we|I)\s+would\s+(?:\w+\s+)?(?:suggest|recommend|encourage|advise|urge)\b|"
                 r"(?<!\bas\s)\b(?:set\s+out|outlined|described|detailed)\s+above\b|\bas\s+part\s+of\s+(?:our|this|my)\s+(?:response|reply|letter)\b",
                 _I))
_NOISE.append(_MORE_NOISE)  # noting, advice to others, enclosures, offers, opinions …
_PAST_BACKGROUND = _P(r"^(?:On\s+\d{1,2}\s+\w+\s+(?:19|20)\d\d,?\s+(?:the\s+Coroner|you|Mr|Mrs|Ms|Miss)|The\s+(?:deceased|patient)\b)", _I)
_OTHER_OWNER = _P(
    rf"^(?:In\s+addition,?\s+|Additionally,?\s+|Also,?\s+|Furthermore,?\s+|this\s+month,?\s+|From\s+[\w ]+,\s+)?"
    rf"(?:the\s+)?(?P<o>(?:[A-Z][\w'’&.\-]*\s+){{0,6}}?(?:[A-Z]{{2,}}|[A-Z][\w'’&.\-]*\s+{ORG_WORDS})(?:\s+{ORG_WORDS}|\s+[A-Z][\w'’&.\-]*){{0,4}})"
    rf"\s+(?:will|also\s+plans|plans|is|are|has|have|continues|intends)\b"
)
_SEASON = _P(r"\b(?:(?:early|late|mid|end\s+of)[\s-]+)?(?P<when>(?:spring|summer|autumn|winter|January|February|March|April|May|June|July|"
             r"August|September|October|November|December)(?:\s*/\s*(?:early\s+)?(?:spring|summer|autumn|winter|\w+))?)\s+(?P<y>20\d\d)\b|"
             r"\b(?P<q>Q[1-4])\s*(?P<qy>20\d\d)\b|\b(?P<fy>20\d\d)/(?:20)?\d\d\b", _I)


@dataclass
class FreeAction:
    text: str
    start: int
    end: int
    tense: str  # done | doing | will
    owner: str | None
    due: str | None
    due_text: str | None
    status: str | None


def same_words(a: set[str], b: set[str]) -> bool:
    """One sentence says what another says: most words shared, and one adds at most one word
    of its own (six letters answered "… an action plan addressing nutrition" and "… addressing
    the duration of staff visits" are two actions, not one)."""
    return len(a & b) >= 0.8 * max(1, min(len(a), len(b))) and min(len(a - b), len(b - a)) <= 1


def _is_noise(s: str) -> bool:
    return any(p.search(s) for p in _NOISE) or bool(_PAST_BACKGROUND.match(s))


_AGENT = _P(r"\b(?:we|our|us)\b|\bI\b|\bmy\s+(?:officials|team|colleagues|department)\b|"
            r"\b(?:the|this)\s+(?:Trust|College|Department|Council|Force|Service|Government|Board|ICB|Agency|Society|Institute|"
            r"organisation|charity|team|group|directorate|programme|Network|Office|Ministry|Partnership)\b|"
            r"\b(?:has|have|had)\s+(?:\w+ly\s+|now\s+|also\s+|already\s+){0,2}been\s+\w+(?:ed|en|wn|t)\b|"
            r"\b(?:[A-Z][\w'’&-]*\s+){1,6}(?:of\s+(?:[A-Z][\w'’&-]*\s+){1,4})?"+ORG_WORDS+r"\s+(?:has|have|had|will|is|are)\b|"
            r"(?:^|,\s+)(?:[\w-]+\s+){0,4}?(?:staff|teams?|nurses|doctors|clinicians|consultants|colleagues|practitioners|matrons|"
            r"champions|educators?|workers|leads|hub|board|committee|directorate)\s+(?:will|have|has|are|is|also|now|continue)\b|\bwill\s+be\s+\w+(?:ed|en|wn|t)\b|\b(?:is|are)\s+(?:now\s+|also\s+|currently\s+|still\s+)?being\s+\w+ed\b|"
            r"^(?:In\s+\w+\s+20\d\d,\s+|(?-i:[A-Z]\w+),\s+)?(?:an?|the|two|three|four|five|several|new|all|\d+)\s+[\w\s-]{3,60}?\s+"
            r"(?:was|were)\s+(?:also\s+)?\w+ed\b|"
            r"(?:^|,\s+)(?:the\s+)?(?-i:[A-Z]{2,}[a-z]?)\s+(?:also\s+|now\s+)?(?:has|have|had|will|is|are)\b", _I)
_THIRD_VOICE = _P(r"\b(?:are|is)\s+(?:writing|responding)\s+to\s+you\b|^(?:The\s+evidence|Evidence)\s+(?:was|showed|suggests)|"
                  r"^(?:In\s+(?:Mr|Mrs|Ms|Miss)?\s*[A-Z]\w+['’]s\s+case)", _I)


# more ways a sentence says who acts: an acronym-like name early on ("S2R has", "TfL will",
# "MoJ and MHCLG are"), a pronoun or group as subject, a present or past passive
_AGENT_MORE = _P(r"^(?:\S+\s+){0,12}?(?=[A-Za-z0-9]*[A-Z][A-Za-z0-9]*[A-Z])(?:[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9]*|[A-Z]{2,}[a-z]?)\b(?:\s+\S+){0,5}?\s+"
                 r"(?:has|have|had|is|are|was|were|will|continues|continue|provides|provide|remains|plans|intends)\b|"
                 r"^(?:[A-Z][\w ]{0,40}\s)?(?:They|These|Staff|All\s+(?:staff|\w+s))\b|"
                 r"\b(?:is|are)\s+(?:now\s+|also\s+|routinely\s+)?(?:informed|discussed|reviewed|monitored|recorded|"
                 r"required|offered|managed|audited|shared|considered|assessed)\b|"
                 r"\b(?:was|were)\s+(?:then\s+|also\s+)?\w+(?:ed|en)\s+to\s+(?:review|update|improve|ensure|develop)\b|"
                 r"\bthere\s+is\s+(?:now\s+)?a\s+new\b|\bour\s+intention\b")


def _has_agent(s: str, owner: str | None) -> bool:
    """Someone does it: we/I, the organisation (by name, acronym or 'the Trust'), a named
    body as the subject, or a passive 'has been introduced'."""
    if _AGENT.search(s) or _OTHER_OWNER.match(s) or _AGENT_MORE.search(s) or _PAST_ACT.search(s):
        return True
    if owner:
        # the organisation named as a whole (its distinctive words together, or its acronym);
        # one word of its name is a place or a subject ("As London has grown")
        return bool(mentions(owner, s))
    return False


_QUOTE = re.compile(r"[“\"][^”\"]{80,}[”\"]")


def _blank_quotes(text: str) -> str:
    """Long quotations (a concern quoted back) blanked out, offsets kept."""
    return _QUOTE.sub(lambda m: " " * len(m.group(0)), text)


_WILL_MORE = _P(r"\b(?:(?:is|are)\s+planned\s+to|(?:is|are)\s+(?:scheduled|planned|due|set)\s+(?:for|to)\s+(?:launch|publication|completion|review|be)\b|(?:it\s+is\s+)?our\s+intention\s+to|will\s+be\s+\w+ed)\b", _I)
_DOING_MORE = _P(r"\b(?:provides|deliver|delivers|offers|ensures|monitors|continues|are\s+(?:discussed|reviewed|informed|"
                 r"monitored|audited|offered|required)|is\s+(?:discussed|reviewed|monitored|audited|offered|required))\b", _I)
_DONE_MORE = _P(r"\b(?:there\s+is\s+(?:now\s+)?a\s+new|now\s+(?:have|has)\s+(?:a|an)\b|(?:is|are)\s+now\s+in\s+place|"
                r"(?:was|were)\s+(?:then\s+|also\s+)?\w+(?:ed|en)\s+to\s+(?:review|update|improve|ensure|develop))\b", _I)


def tense_of(s: str) -> str | None:
    """'will' (promised), 'doing' (under way) or 'done' for a sentence saying what is
    done about something; None when it says no such thing."""
    if _WILL.search(s) and not re.search(r"\bwould\s+(?:not|like)\b", s, re.I):
        if re.search(r"\bwill\b", s, re.I) and not re.search(r"\b(?:we|I|it|they|this|these|[A-Z][\w]+|which|that|team|group|board|service|trust|department|agency|council|college|decisions|\w+s)\b[^.]{0,120}\bwill\b", s):
            return None
        return "will"
    if _WILL_MORE.search(s):
        return "will"
    if _DOING.search(s):
        return "doing"
    if _DONE.search(s) or _DONE_MORE.search(s):
        return "done"
    if done_by_form(s):
        return "done"
    if _DOING_MORE.search(s):
        return "doing"
    return None


def _plain_present(s: str) -> bool:
    """Only a plain present tense says it is done ("X provides …", "are discussed")."""
    return not (_WILL.search(s) or _WILL_MORE.search(s) or _DOING.search(s) or _DONE.search(s)
                or _DONE_MORE.search(s))


_ROUTINE = _P(r"\b(?:is|are)\s+(?:now\s+|also\s+|routinely\s+|all\s+)?(?:discussed|reviewed|informed|monitored|audited|"
              r"offered|assessed|recorded)\b", _I)
_DEICTIC = _P(r"^(?:It|This|That|These|Those|They|Which|Such)\b|^(?:This|That|These|Those)\s+\w+(?:\s+\w+)?\s+"
              r"(?:can|provides|ensures|eliminates|allows|means|helps|gives|offers)\b", _I)


def _describes(s: str, owner: str | None) -> bool:
    """A plain present-tense statement about how things are, not what the respondent does:
    its subject is "it", "this", "they" or some other thing, with no sign of change.
    Kept: the respondent as subject ("We provide", "S2R provides"), a routine of its own
    ("All reports received are discussed by …") and anything newly so ("now provides")."""
    if not _plain_present(s) or _CHANGE.search(s):
        return False
    if _DEICTIC.search(s):
        return True
    head = " ".join(s.split()[:8])
    if re.search(r"\b(?:we|I|our|us)\b", head, re.I) or (owner and (mentions(owner, head) or short_name(head, owner))):
        return False
    return not _ROUTINE.search(s)


# a plain present tense ("CAS3 provides …", "This ensures …", "It also provides an opportunity")
# describes how things are; it reports an action only with a sign that something changed
_CHANGE = _P(r"\b(?:now|new|newly|since|recently|introduced|implemented|launched|from\s+(?:\d{1,2}\s+)?[A-Z][a-z]+\s+20\d\d|"
             r"(?:this|last)\s+(?:year|month)|following\s+(?:the|this|his|her|their)\s+(?:death|inquest|report|incident|review))\b", _I)


_STATUS = {"done": "completed", "doing": "ongoing", "will": None}  # a promise states no status


def split_sentences(text: str, start: int = 0) -> list[tuple[int, int, str]]:
    """Whole sentences (never cut at "e.g." or "No. 4"), with offsets into ``text``."""
    out = []
    pos = 0
    for m in re.finditer(r"[.!?](?=\s+[A-Z0-9“\"(•\-]|\s*$)", text):
        end = m.end()
        prev = text[max(0, m.start() - 4):m.start()].lower()
        if re.search(r"(?:\be\.g|\bi\.e|\bno|\bdr|\bmr|\bmrs|\bms|\bst|\bvs|\betc|\bpara|\bapprox|\bref)$", prev):
            continue
        if re.search(r"\b[A-Z]$", text[max(0, m.start() - 2):m.start()]):  # an initial: "J. Smith"
            continue
        if re.search(r"\b(?:c|ca|circa|approx|incl|nos?)$", prev) and re.match(r"\s*[\d£$€(]", text[end:]):
            continue  # "all our c. 1,300 drivers", "approx. 30%"
        seg = text[pos:end]
        lead = len(seg) - len(seg.lstrip())
        if seg.strip():
            out.append((start + pos + lead, start + end, seg.strip()))
        pos = end
    seg = text[pos:]
    if seg.strip():
        lead = len(seg) - len(seg.lstrip())
        out.append((start + pos + lead, start + len(text), seg.strip()))
    return out


def due_in(s: str) -> tuple[str | None, str | None]:
    """A stated deadline or timing: 'by March 2025', 'spring/summer 2025', 'Q4 2024',
    'approval date of 6th February 2025'. (iso or None, as written)."""
    from corpus.extract.common import due_of

    m = re.search(r"\b(?:by|before|no\s+later\s+than|approval\s+date\s+of|in|from|during|until)\s+(?:the\s+)?(?:end\s+of\s+)?"
                  r"((?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:January|February|March|April|May|June|July|August|September|October|"
                  r"November|December)\s+20\d\d)", s, re.I)
    if m:
        return due_of(m.group(1)), m.group(0)
    m = next((x for x in _SEASON.finditer(s) if not _not_a_deadline(s, x)), None)
    if m:
        if m.group("q"):
            q, y = int(m.group("q")[1]), int(m.group("qy"))
            return f"{y}-{q * 3:02d}-{[31, 30, 30, 31][q - 1]}", m.group(0)
        if m.group("y"):
            return due_of(f"{m.group('when').split('/')[-1].strip()} {m.group('y')}"), m.group(0)
        return None, m.group(0)
    return None, None


_PAST_CUE = _P(r"(?:\b(?:dated|of|on|since|last|from|between|ending|ended)|\d(?:st|nd|rd|th)?|[(\-\u2013])\s*$", _I)


def _not_a_deadline(s: str, m: re.Match) -> bool:
    """A month or season named without a deadline word that dates something else: a letter
    ("our update to you dated 31 October 2024"), a day already past ("as of 25th November
    2024"), a period ("last year (April 2023-March 2024)")."""
    before = s[max(0, m.start() - 20):m.start()]
    if re.search(r"\b(?:early|late|mid|end\s+of)[\s-]*$", before, re.I):
        before = before[:re.search(r"\b(?:early|late|mid|end\s+of)[\s-]*$", before, re.I).start()]
    return bool(_PAST_CUE.search(before)) or bool(re.match(r"\s*[-\u2013]\s*\w", s[m.end():]))


_MONTHS = r"January|February|March|April|May|June|July|August|September|October|November|December"
_TIMING_LINE = _P(rf"(?P<pre>[ \t]*\n\s*)(?P<t>(?:Q[1-4]\s*20\d\d|20\d\d/\d\d|(?:(?:early|late|mid|end\s+of)[\s-]+)?"
                  rf"(?:{_MONTHS}|spring|summer|autumn|winter)\s+20\d\d|(?:completed?|ongoing|in\s+progress)))"
                  rf"(?P<post>[ \t]*\n\s*)(?=\S)", _I)


def _attach_timings(text: str) -> str:
    """A plan read from a two-column table puts each item's timing on the next line ("Engage
    with the DVSA …:" / "Q4 2024" / "Create and share …"): the timing goes to the end of the item
    before it and a paragraph break after it, in the same number of characters (offsets kept)."""
    def move(m: re.Match) -> str:
        ws = len(m.group("pre")) + len(m.group("post"))
        if ws < 3:
            return m.group(0)
        return " " + m.group("t") + "\n" * (ws - 1)
    return _TIMING_LINE.sub(move, text)


def free_actions(text: str, owner: str | None, start: int = 0) -> list[FreeAction]:
    """Actions stated anywhere in a (masked) response text, one per sentence, merged when a
    letter repeats itself. Headings ("Engage with X: Q4 2024") count as planned actions
    when they carry a timing."""
    from corpus.extract.common import paragraphs

    out: list[FreeAction] = []
    seen: list[set[str]] = []
    for p in paragraphs(_attach_timings(_blank_quotes(text)), start):
        body = p.text
        sents = split_sentences(body)
        for k, (s0, s1, sent) in enumerate(sents):
            if len(sent) < 25 or _is_noise(sent) or _THIRD_VOICE.search(sent) or not_done(sent):
                continue
            tense = imperative_with_timing(sent)
            if tense is None and not _has_agent(sent, owner):
                continue
            tense = tense or tense_of(sent)
            if tense is None or (tense == "doing" and _describes(sent, owner)):
                continue
            words = set(re.findall(r"[a-z]{4,}", sent.lower()))
            if any(same_words(words, w) for w in seen):
                continue  # the same commitment said twice
            seen.append(words)
            who = owner
            m = _OTHER_OWNER.match(sent)
            if m:
                o = clean_org(m.group("o"))
                if _other_body(o) and (owner is None or not _same_org(o, owner)):
                    if not re.match(r"^(?:We|I|It|This|These|That|They|There|Our|The\s+Trust|The\s+College|The\s+Department|The\s+Council)$", o, re.I):
                        who = o
            due, due_text = due_in(sent) if tense != "done" else (None, None)
            out.append(FreeAction(sent, p.start, p.end, tense, who, due, due_text, _STATUS[tense]))
    return out


def _other_body(o: str) -> bool:
    """A named subject that is a body of its own, not a team of the respondent ("the MDT",
    "the Central Approved Premises Team") nor an unknown acronym."""
    from corpus.orgs import normalise_org

    org = normalise_org(o)
    if not org.key or re.search(r"\b(?:team|teams|unit|panel|group|directorate|ward|wards|mdt|staff)$", o, re.I):
        return False
    if re.fullmatch(r"[A-Z0-9&]{2,8}", o.strip()):
        return org.name != o.strip()  # an acronym the library knows ("HSE"), not "MDT"
    return True


def _same_org(a: str, b: str) -> bool:
    from corpus.responses import org_similarity

    return org_similarity(a, b) >= 0.6 or a.lower() in b.lower() or b.lower() in a.lower()



def strip_framing(text: str | None) -> str | None:
    """An action's text without the framing it opens with ("With regard to concerns raised on
    MARAC, our response is detailed below.", thanks, condolences, a concern restated): from the
    first sentence that is not framing; None when it is all framing. Used by the ledger, which
    logs what was done, not how a letter introduces it."""
    if not text:
        return text
    sents = split_sentences(text)
    skip, keep = 0, len(sents)
    while skip < keep and _is_noise(sents[skip][2]):
        skip += 1
    while keep > skip and _is_noise(sents[keep - 1][2]):  # "… our responses are as follows:" at its end
        keep -= 1
    if not sents or (not skip and keep == len(sents)):
        return text
    if skip >= keep:
        return None
    return text[sents[skip][0]:sents[keep - 1][1]].strip()


_FIRST_PERSON = _P(r"^(?:[^,]{0,60},\s+)?(?:we|I|our\s+\w+|the\s+(?:Trust|College|Council|Department|Service|Board|"
                   r"Commission|organisation|Association|Society))\b", _I)


def answer_sentences(text: str, owner: str | None, start: int = 0, n: int = 2) -> list[FreeAction]:
    """A letter that states no action still answers the report: up to ``n`` sentences where the
    respondent speaks for itself about the matter (its own subject, not framing, thanks,
    condolences, a restated concern or background), preferring a stated tense and the letter's
    closing paragraphs (where a free-form letter draws its conclusion). Kind "response", no status."""
    from corpus.extract.common import paragraphs

    paras = paragraphs(_blank_quotes(text), start)
    scored = []
    for k, p in enumerate(paras):
        for s0, s1, sent in split_sentences(p.text):
            if len(sent) < 40 or len(sent) > 600 or _is_noise(sent) or _THIRD_VOICE.search(sent):
                continue
            score = 0.0
            if _FIRST_PERSON.search(sent) or (tense_of(sent) and _has_agent(sent, owner)):
                score += 1.0
            elif owner and (mentions(owner, " ".join(sent.split()[:8])) or short_name(" ".join(sent.split()[:8]), owner)):
                score += 1.0
            if tense_of(sent):
                score += 0.5
            if not_done(sent):
                score -= 0.5
            score += 0.5 * k / max(1, len(paras) - 1)  # later paragraphs conclude
            scored.append((score, p.start, p.end, sent))
    best = sorted((x for x in scored if x[0] >= 1.0), key=lambda x: -x[0])[:n]
    if not best and scored:  # never nothing: the letter's most answer-like sentence
        best = sorted(scored, key=lambda x: -x[0])[:1]
    return [FreeAction(sent, ps, pe, "response", owner, None, None, None)
            for _, ps, pe, sent in sorted(best, key=lambda x: x[1])]


_LIST_ITEM = re.compile(r"^\s*(?:[-\u2022*\u25aa\u25cf\u00b7]|\(?[a-z0-9]{1,2}[.)])\s+(\S.*?)\s*$", re.I)


def with_its_list(text: str, after: str) -> str:
    """An action that ends with a colon leads into a list ("We will ensure that all offenders
    …:" then "- Register as required." …): the list items that follow it in the document
    complete it ("…: Register as required; Are visited …")."""
    items = []
    for line in after.lstrip("\n").split("\n"):
        if not line.strip():
            continue  # a list spaced with blank lines
        m = _LIST_ITEM.match(line)
        if not m:
            break
        items.append(m.group(1).rstrip(" ;,."))
    if not items:
        return text
    return f"{text.rstrip()} {'; '.join(items)}."
