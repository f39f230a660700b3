//! Word lists for synthetic people, streets and case notes, and small random helpers.
//!
//! Every person the seed creates is invented: given names are common ones, but family names
//! are built from two made-up halves ("Pebblewick", "Quillhurst"), so no generated person is a
//! real one. Phone numbers come from Ofcom's range reserved for drama (07700 900000–900999).

use rand::Rng;
use rand::rngs::StdRng;

/// Picks one element of a non-empty slice.
pub(super) fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

/// Picks a value by integer weight. The slice must be non-empty with a positive total.
pub(super) fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut roll = rng.gen_range(0..total.max(1));
    for (item, weight) in items {
        if roll < *weight {
            return *item;
        }
        roll -= weight;
    }
    items[items.len() - 1].0
}

/// Whether an event of probability `p` (0–1) happens.
pub(super) fn chance(rng: &mut StdRng, p: f64) -> bool {
    rng.gen_bool(p.clamp(0.0, 1.0))
}

pub(super) const BOYS: &[&str] = &[
    "Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Oscar", "Archie", "Henry", "Theo",
    "Freddie", "Jack", "Charlie", "Alfie", "Jacob", "Thomas", "Finley", "Isaac", "Joshua",
    "Reggie", "Tommy", "Louie", "Albie", "Ronnie", "Teddy", "Max", "Riley", "Harrison", "Mason",
    "Ethan", "Dylan", "Kai", "Callum", "Aaron", "Zain", "Yusuf", "Kofi", "Tomasz", "Jakub", "Ravi",
];

pub(super) const GIRLS: &[&str] = &[
    "Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia", "Willow",
    "Rosie", "Sophia", "Isabella", "Grace", "Daisy", "Sienna", "Poppy", "Elsie", "Evie", "Ella",
    "Maisie", "Ruby", "Phoebe", "Millie", "Harper", "Layla", "Esme", "Aisha", "Zara", "Amara",
    "Maja", "Zofia", "Priya", "Niamh", "Chloe", "Jessica", "Holly", "Lacey", "Skye", "Nevaeh",
];

/// Names given to children whose sex is recorded as unknown (mostly the unborn: "Baby").
pub(super) const NEUTRAL: &[&str] = &["Alex", "Charlie", "Sam", "Jamie", "Robin", "Frankie"];

pub(super) const WOMEN: &[&str] = &[
    "Sarah",
    "Emma",
    "Laura",
    "Rebecca",
    "Gemma",
    "Kelly",
    "Amy",
    "Hannah",
    "Claire",
    "Nicola",
    "Katie",
    "Danielle",
    "Stacey",
    "Jade",
    "Leanne",
    "Natalie",
    "Michelle",
    "Joanne",
    "Lisa",
    "Charlotte",
    "Aneta",
    "Fatima",
    "Agnieszka",
    "Chantelle",
    "Kirsty",
    "Shannon",
];

pub(super) const MEN: &[&str] = &[
    "Daniel",
    "James",
    "Matthew",
    "Christopher",
    "Andrew",
    "David",
    "Michael",
    "Lee",
    "Craig",
    "Mark",
    "Ryan",
    "Carl",
    "Jason",
    "Liam",
    "Adam",
    "Paul",
    "Scott",
    "Dean",
    "Wayne",
    "Gareth",
    "Marek",
    "Imran",
    "Tariq",
    "Piotr",
    "Shane",
    "Kieran",
];

pub(super) const OLDER_WOMEN: &[&str] = &[
    "Pat", "Jean", "Sandra", "Linda", "Carol", "Susan", "Margaret", "Brenda", "Janet", "Maureen",
    "Elaine", "Denise",
];

pub(super) const OLDER_MEN: &[&str] = &[
    "Ray", "Derek", "Barry", "Keith", "Terry", "Alan", "Brian", "Graham", "Malcolm", "Colin",
    "Trevor", "Roy",
];

const SURNAME_STARTS: &[&str] = &[
    "Ash", "Bramble", "Copper", "Fern", "Hazel", "Lark", "Moss", "Oak", "Pebble", "Quill", "Rush",
    "Thistle", "Willow", "Wren", "Bracken", "Hollow", "Kettle", "Marsh", "Nettle", "Penny",
    "Sorrel", "Tansy", "Birch", "Heather", "Linden", "Rowan", "Sedge", "Yarrow", "Clover",
    "Dapple", "Tumble", "Puddle", "Fennel", "Gorse", "Juniper", "Ember",
];

const SURNAME_ENDS: &[&str] = &[
    "wick", "more", "bury", "field", "brook", "worth", "combe", "ley", "hurst", "thwaite", "stone",
    "dale", "by", "ridge", "well", "holme", "ford", "gate", "bottom", "shaw",
];

/// An invented family name such as "Pebblewick", never the story family's name.
pub(super) fn surname(rng: &mut StdRng) -> String {
    let start = *pick(rng, SURNAME_STARTS);
    let end = *pick(rng, SURNAME_ENDS);
    let name = format!("{start}{end}");
    if name == super::STORY_FAMILY_NAME {
        format!("{start}well")
    } else {
        name
    }
}

const STREET_NAMES: &[&str] = &[
    "Larkspur",
    "Foxglove",
    "Tinker's",
    "Saltwell",
    "Quarry Bank",
    "Lamplight",
    "Cobbler's",
    "Weaverbank",
    "Kingfisher",
    "Heronfield",
    "Brindle",
    "Marigold",
    "Pinfold",
    "Tannery",
    "Mill Race",
    "Canal Side",
    "Lockkeeper's",
    "Orchard Gate",
    "Skylark",
    "Hawthorn Rise",
    "Bellfounder",
    "Ropewalk",
    "Clockmaker's",
    "Signal Box",
    "Engine Shed",
    "Turntable",
];

const STREET_KINDS: &[&str] = &[
    "Lane", "Close", "Road", "Way", "Street", "Avenue", "Drive", "Grove", "Crescent", "Row",
    "Court", "Walk",
];

/// An invented first address line such as "14 Foxglove Close".
pub(super) fn street_line(rng: &mut StdRng) -> String {
    let number = rng.gen_range(1..=120);
    let name = *pick(rng, STREET_NAMES);
    let kind = *pick(rng, STREET_KINDS);
    format!("{number} {name} {kind}")
}

/// A postcode in the outward code `outward` with an invented inward code ("CW1 9QX").
pub(super) fn postcode(rng: &mut StdRng, outward: &str) -> String {
    const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    let digit = rng.gen_range(1..=9);
    let a = char::from(*pick(rng, LETTERS));
    let b = char::from(*pick(rng, LETTERS));
    format!("{outward} {digit}{a}{b}")
}

/// A phone number from Ofcom's drama range (never a real line).
pub(super) fn drama_phone(rng: &mut StdRng) -> String {
    format!("07700 900{:03}", rng.gen_range(0..1000))
}

/// What a contact said, by referral source code.
pub(super) fn presenting_concern(rng: &mut StdRng, source: &str) -> &'static str {
    let options: &[&str] = match source {
        "2A" | "2B" => &[
            "School reports attendance has fallen below 85% this term and the child often arrives late and hungry.",
            "Designated safeguarding lead reports the child disclosed arguments at home that keep them awake.",
            "Teacher concerned about the child's low mood, withdrawal in class and unwashed uniform.",
            "School reports repeated suspensions for dysregulated behaviour; parent asking for help.",
        ],
        "3A" | "3B" | "3C" | "3D" | "3E" | "3F" => &[
            "Health visitor concerned about the baby's weight gain and mother's low mood after the birth.",
            "GP reports parent's deteriorating mental health and worries about the children's routines.",
            "A&E attendance after the child was found outside alone late at night.",
            "School nurse reports the child self-harming and not wanting to go home.",
        ],
        "6" => &[
            "Police notification: domestic abuse incident at the home, children present.",
            "Police attended a verbal argument between the parents; no arrests; children upset.",
            "Police report the young person missing overnight and returned by a relative.",
        ],
        "1A" | "1B" | "1C" | "1D" => &[
            "Grandparent worried the parent is struggling to cope since losing their job.",
            "Parent asking for help with their child's behaviour and with debt.",
            "Neighbour reports children left alone in the evenings.",
        ],
        "4" => &[
            "Housing officer reports rent arrears, an eviction notice and an overcrowded flat.",
            "Housing association reports damp, mould and a family sleeping in one room.",
        ],
        "5A" | "5B" | "5C" | "5D" => &[
            "Early help team requests step-up: needs increasing despite a year of support.",
            "Adult social care reports a parent's care needs are affecting the children.",
            "Transfer in from another local authority; family recently moved to the area.",
        ],
        _ => &[
            "Voluntary group worried about the family's food poverty and isolation.",
            "Anonymous caller concerned about shouting and a child crying at night.",
            "Concern about the home conditions and the children's school attendance.",
        ],
    };
    options[rng.gen_range(0..options.len())]
}

/// Why the front door reached its decision, by triage decision code.
pub(super) fn triage_reason(rng: &mut StdRng, decision: &str) -> &'static str {
    let options: &[&str] = match decision {
        "FAMILY_HELP" => &[
            "Needs are multiple and growing; parents agree to Family Help.",
            "Whole-family support needed; consent given for Family Help.",
            "Universal support has not been enough; allocate to the locality team.",
        ],
        "STRATEGY_DISCUSSION" => &[
            "Reasonable cause to suspect significant harm; strategy discussion with police and health.",
            "Disclosure of harm; convene a strategy discussion today.",
        ],
        "ADVICE_AND_SIGNPOSTING" => &[
            "Advice given to the referrer; family signposted to the Family Hub.",
            "Parent given information about parenting courses and debt advice.",
        ],
        "UNIVERSAL_SERVICES" => &[
            "School and health visitor to continue support; no additional needs identified.",
            "Needs can be met by the school's pastoral support and the Family Hub.",
        ],
        _ => &[
            "No concerns about the child's welfare identified after checks.",
            "Information recorded; no role for children's services.",
        ],
    };
    options[rng.gen_range(0..options.len())]
}

/// A goal for a plan, by plan kind code.
pub(super) fn goal(rng: &mut StdRng, kind: &str) -> &'static str {
    let options: &[&str] = match kind {
        "CHILD_PROTECTION" => &[
            "The children are safe at home and there are no further incidents of violence.",
            "Parent engages with the substance misuse service and tests are clear.",
            "The children are seen alone at every visit and say they feel safe.",
            "Home conditions meet the children's basic needs, checked at every visit.",
        ],
        "FAMILY_NETWORK" => &[
            "Grandparents provide respite care every other weekend.",
            "Aunt collects the children from school on Tuesdays and Thursdays.",
            "Family friend is the children's safe adult to call in an emergency.",
            "The network meets monthly to review how the plan is working.",
        ],
        "CHILD_IN_NEED" => &[
            "School attendance improves to above 95% by the end of term.",
            "Parent attends the parenting programme at the Family Hub.",
            "The child's EHCP needs assessment is requested and completed.",
            "Debts are consolidated with support from Citizens Advice.",
            "The child attends CAMHS appointments with a parent.",
        ],
        _ => &[
            "Morning routine in place so the children arrive at school on time.",
            "Parent completes the Triple P parenting course.",
            "Family registers with the food bank and claims the benefits they are entitled to.",
            "Child joins a youth club or after-school activity each week.",
            "Parents use the co-parenting app to agree arrangements without arguments.",
        ],
    };
    options[rng.gen_range(0..options.len())]
}

/// The outcome of a plan review.
pub(super) fn review_outcome(rng: &mut StdRng, kind: &str) -> &'static str {
    let options: &[&str] = match kind {
        "CHILD_PROTECTION" => &[
            "Child remains subject to a child protection plan; plan updated.",
            "Good progress; plan continues with reduced visits.",
            "Risks reduced; recommend ending the plan at the next review.",
        ],
        _ => &[
            "Good progress; plan continues.",
            "Some progress; goals revised with the family.",
            "Plan continues; school and health to increase support.",
            "Goals largely met; plan to close at the next review.",
        ],
    };
    options[rng.gen_range(0..options.len())]
}

/// Why a lead practitioner changed (the ended involvement's change reason), excluding the
/// leaver case, which the generator uses only for practitioners who left.
pub(super) const CHANGE_REASONS: &[&str] = &[
    "Caseload rebalanced within the team",
    "Practitioner on long-term leave",
    "Practitioner moved to another team",
    "Family moved within the locality",
];

/// The change reason recorded when the previous lead practitioner left the team.
pub(super) const LEFT_THE_TEAM: &str = "Practitioner left the team";

/// Outcomes of single assessments.
pub(super) const ASSESSMENT_OUTCOMES: &[&str] = &[
    "Child in need plan to be made with the family.",
    "Needs met through Family Help; targeted early help plan.",
    "No further action; family signposted to the Family Hub.",
    "Strategy discussion held; section 47 enquiry to follow.",
];
