#include "notes/entity_tagger.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>
#include <vector>

#include "notes/entities.h"

namespace clinote {

namespace {

// Lowercase; matched case-insensitively on word boundaries.
constexpr std::array drug_names = {
    "metformin", "lisinopril", "amlodipine", "atorvastatin", "simvastatin", "rosuvastatin", "pravastatin",
    "lipitor", "crestor", "losartan", "valsartan", "hydrochlorothiazide", "chlorthalidone", "furosemide", "lasix",
    "spironolactone", "carvedilol", "metoprolol", "atenolol", "propranolol", "digoxin", "warfarin", "coumadin",
    "apixaban", "eliquis", "rivaroxaban", "xarelto", "clopidogrel", "plavix", "aspirin", "ibuprofen", "motrin",
    "advil", "naproxen", "aleve", "meloxicam", "mobic", "celecoxib", "celebrex", "acetaminophen", "tylenol",
    "paracetamol", "tramadol", "oxycodone", "hydrocodone", "morphine", "norco", "percocet", "gabapentin",
    "neurontin", "pregabalin", "lyrica", "prednisone", "methylprednisolone", "medrol", "dexamethasone",
    "hydrocortisone", "insulin", "lantus", "humalog", "glipizide", "glyburide", "jardiance", "januvia", "ozempic",
    "trulicity", "levothyroxine", "synthroid", "unithroid", "omeprazole", "prilosec", "pantoprazole", "protonix",
    "famotidine", "pepcid", "ondansetron", "zofran", "amoxicillin", "augmentin", "azithromycin", "zithromax",
    "doxycycline", "cephalexin", "keflex", "ciprofloxacin", "levofloxacin", "nitrofurantoin", "macrobid", "bactrim",
    "clindamycin", "metronidazole", "flagyl", "fluconazole", "albuterol", "symbicort", "advair", "flovent",
    "singulair", "montelukast", "fluticasone", "flonase", "cetirizine", "zyrtec", "loratadine", "claritin",
    "benadryl", "diphenhydramine", "sertraline", "zoloft", "fluoxetine", "prozac", "citalopram", "escitalopram",
    "lexapro", "bupropion", "wellbutrin", "trazodone", "venlafaxine", "effexor", "duloxetine", "cymbalta",
    "alprazolam", "xanax", "lorazepam", "ativan", "clonazepam", "klonopin", "buspirone", "lithium", "quetiapine",
    "seroquel", "aripiprazole", "abilify", "adderall", "methylphenidate", "ritalin", "sumatriptan", "imitrex",
    "topiramate", "topamax", "allopurinol", "colchicine", "tamsulosin", "flomax", "finasteride", "sildenafil",
    "viagra", "miralax", "methotrexate", "humira", "hydroxychloroquine", "plaquenil", "epiduo", "phexxi",
    "microgestin", "lidocaine", "nitroglycerin", "heparin", "enoxaparin", "lovenox", "ferrous sulfate",
    "folic acid", "epinephrine", "epipen", "penicillin", "codeine", "cyclobenzaprine", "flexeril", "robaxin",
    "methocarbamol", "toradol", "ketorolac", "vitamin d", "vitamin b12", "benzoyl peroxide", "tretinoin",
    "mupirocin", "bacitracin", "neosporin", "hydralazine", "clonidine", "diltiazem", "verapamil", "nifedipine",
    "entresto", "farxiga", "rybelsus", "victoza", "glucophage", "nexium", "tums", "imodium", "dulcolax",
};

constexpr std::array diagnosis_names = {
    "type 2 diabetes mellitus", "type 2 diabetes", "type ii diabetes", "type 1 diabetes", "diabetes mellitus",
    "diabetes", "prediabetes", "hypertension", "high blood pressure", "hyperlipidemia", "high cholesterol",
    "hypercholesterolemia", "congestive heart failure", "heart failure", "coronary artery disease",
    "atrial fibrillation", "myocardial infarction", "heart attack", "stroke", "copd",
    "chronic obstructive pulmonary disease", "asthma", "pneumonia", "bronchitis", "sinusitis", "pharyngitis",
    "strep throat", "urinary tract infection", "kidney stones", "kidney stone", "nephrolithiasis",
    "chronic kidney disease", "hypothyroidism", "hyperthyroidism", "osteoarthritis", "rheumatoid arthritis",
    "arthritis", "osteoporosis", "gout", "depression", "anxiety", "bipolar disorder", "adhd", "insomnia",
    "migraine", "migraines", "gerd", "acid reflux", "gastroenteritis", "irritable bowel syndrome",
    "crohn's disease", "ulcerative colitis", "anemia", "obesity", "obstructive sleep apnea", "sleep apnea",
    "allergic rhinitis", "eczema", "psoriasis", "acne vulgaris", "carpal tunnel syndrome", "sciatica",
    "cellulitis", "dementia", "alzheimer's disease", "parkinson's disease", "epilepsy", "seizure disorder",
    "hepatitis c", "cirrhosis", "pancreatitis", "diverticulitis", "cholecystitis", "appendicitis",
    "deep vein thrombosis", "pulmonary embolism", "peripheral neuropathy", "neuropathy", "hirsutism",
    "vitamin d deficiency", "lupus", "multiple sclerosis", "fibromyalgia", "plantar fasciitis", "tendonitis",
    "bursitis", "concussion", "hyperglycemia", "hypoglycemia", "mitral regurgitation", "aortic stenosis",
};

enum class kind { vital, lab, dose, diagnosis, drug };  // tie-break order, most specific first

struct candidate {
    size_t begin, end;
    kind k;
};

const char* type_name(kind k) {
    switch (k) {
        case kind::vital: return "vital";
        case kind::lab: return "lab";
        case kind::dose: return "dose";
        case kind::diagnosis: return "dx";
        case kind::drug: return "drug";
    }
    return "";
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '\''; }

template <size_t N>
void find_terms(const std::string& lower, const std::array<const char*, N>& terms, kind k,
                std::vector<candidate>& out) {
    for (const char* term : terms) {
        const std::string_view t(term);
        size_t pos = 0;
        while ((pos = lower.find(t, pos)) != std::string::npos) {
            const size_t end = pos + t.size();
            const bool left_ok = pos == 0 || !is_word_char(lower[pos - 1]);
            const bool right_ok = end == lower.size() || !is_word_char(lower[end]);
            if (left_ok && right_ok) out.push_back({pos, end, k});
            pos = end;
        }
    }
}

void find_pattern(const std::string& text, const std::regex& re, kind k, std::vector<candidate>& out) {
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
        const size_t b = size_t(it->position(0));
        out.push_back({b, b + size_t(it->length(0)), k});
    }
}

const std::regex& vital_pattern() {
    static const std::regex re(
        R"(\b(?:blood pressure|bp|heart rate|pulse|hr|respiratory rate|rr|temperature|temp|oxygen saturation|o2 saturation|spo2)(?:[ \t]+(?:is|was|of|today|reading|at))*[ \t]*:?[ \t]*\d{2,3}(?:\.\d)?(?:/\d{2,3})?(?:[ \t]?(?:mm[ \t]?hg|bpm|beats per minute|breaths per minute|degrees(?:[ \t](?:f|fahrenheit|c|celsius)\b)?|%))?)",
        std::regex::ECMAScript | std::regex::icase);
    return re;
}

const std::regex& lab_pattern() {
    static const std::regex re(
        R"(\b(?:hemoglobin a1c|hba1c|a1c|ldl|non-hdl|hdl|total cholesterol|triglycerides|creatinine|potassium|sodium|glucose|blood sugar|tsh|alt|ast|e?gfr|hemoglobin|hematocrit|white blood cell count|wbc|platelet count|psa|inr|ejection fraction)(?:[ \t]+(?:level|levels|is|was|of|at|came back|elevated|today|value|reading))*[ \t]*:?[ \t]*\d+(?:\.\d+)?(?:[ \t]?(?:%|mg/dl|mmol/l|ng/ml|u/l|g/dl|meq/l))?)",
        std::regex::ECMAScript | std::regex::icase);
    return re;
}

const std::regex& dose_pattern() {
    static const std::regex re(R"(\b\d+(?:\.\d+)?[ \t]?(?:mg|mcg|g|ml|units?|iu|meq)\b(?!/))",
                               std::regex::ECMAScript | std::regex::icase);
    return re;
}

}  // namespace

std::string entities_tag_text(std::string_view note) {
    const std::string text(note);
    std::string lower = text;
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));

    std::vector<candidate> cands;
    find_pattern(text, vital_pattern(), kind::vital, cands);
    find_pattern(text, lab_pattern(), kind::lab, cands);
    find_pattern(text, dose_pattern(), kind::dose, cands);
    find_terms(lower, diagnosis_names, kind::diagnosis, cands);
    find_terms(lower, drug_names, kind::drug, cands);

    // Longest span wins; ties go to the more specific kind. Accepted spans never overlap.
    std::stable_sort(cands.begin(), cands.end(), [](const candidate& a, const candidate& b) {
        const size_t la = a.end - a.begin, lb = b.end - b.begin;
        if (la != lb) return la > lb;
        return a.k < b.k;
    });
    std::vector<candidate> chosen;
    for (const auto& c : cands) {
        const std::string_view span(text.data() + c.begin, c.end - c.begin);
        if (span.find_first_of("{}\n") != std::string_view::npos) continue;
        // A brace next to the tag would merge with its own braces and break parsing.
        if ((c.begin > 0 && text[c.begin - 1] == '{') || (c.end < text.size() && text[c.end] == '}')) continue;
        const bool overlaps = std::any_of(chosen.begin(), chosen.end(), [&](const candidate& o) {
            return c.begin < o.end && o.begin < c.end;
        });
        if (!overlaps) chosen.push_back(c);
    }
    std::sort(chosen.begin(), chosen.end(), [](const candidate& a, const candidate& b) { return a.begin < b.begin; });

    std::string out;
    size_t at = 0;
    for (const auto& c : chosen) {
        out.append(text, at, c.begin - at);
        out += entity_tag(type_name(c.k), std::string_view(text.data() + c.begin, c.end - c.begin));
        at = c.end;
    }
    out.append(text, at, std::string::npos);
    return out;
}

}  // namespace clinote
