"""The topic bank bench/chapters.py builds its episodes from: a cycling and city podcast.

Each topic has what a host writes in the outline (a short title and a notes line with a few
keywords, numbers as digits) and what is said on air (a spoken name, vocabulary for the
conversational frames, hand-written sentences with other word forms and numbers in words).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """One section's subject: the outline's words and the spoken ones."""

    title: str  # the outline heading, as a host writes it
    notes: str  # the line under the heading: a few keywords
    name: str  # how the hosts name it aloud ("Okay, so, locks.")
    vocabulary: tuple[str, ...]  # words and phrases for the generic frames
    sentences: tuple[str, ...]  # what is said about it


def vocabulary(text: str) -> tuple[str, ...]:
    """The phrases of a "; "-separated list."""
    return tuple(text.split("; "))


TOPICS = (
    Topic(
        "Staying dry on the way in",
        "Rain jacket vents, waterproof trousers, overshoe.",
        "rain gear",
        vocabulary(
            "rain jackets; the vents; waterproof trousers; overshoes; a breathable shell; "
            "soaked socks; the hood under the helmet; spray from the road; the pit zips; "
            "drying everything overnight; a rain cape; wet knees"
        ),
        (
            "My rain jacket has vents under the arms, and opening them on the climb is the only "
            "way I arrive dry.",
            "Waterproof trousers look silly, but after two soaked mornings in a row I stopped "
            "caring what they look like.",
            "Overshoes buy you about forty minutes, and then the water finds its way in through "
            "the cleats.",
            "A breathable shell is worth the money, because a cheap plastic one just soaks you "
            "from the inside.",
            "I keep a second pair of socks in my bag, and honestly that is the best rain gear I "
            "own.",
            "Someone wrote in to say they wear a shower cap over the helmet, and I have to admit "
            "it works.",
            "If you hang everything up the moment you get home, it is mostly dry again by the "
            "morning.",
            "Capes are coming back, and they keep your knees dry in a way that jackets never will.",
        ),
    ),
    Topic(
        "Pump it up",
        "Tyre pressure: 4 bar vs 6 bar, check weekly.",
        "tyre pressure",
        vocabulary(
            "pumping the tyres; a floor pump; the gauge; four bar; six bar; the sidewall; "
            "pinch flats; softer tyres; rolling resistance; the valves; wider tyres; checking"
            " them every week"
        ),
        (
            "Most people ride around on tyres that are half flat, and they wonder why the bike "
            "feels so slow.",
            "I pump mine every Sunday evening with a floor pump that has a proper gauge on it.",
            "The number printed on the sidewall is a maximum, not a target, which surprised a "
            "lot of listeners.",
            "On the cobbles I go down to about four bar, and the ride is suddenly so much calmer.",
            "If you run them too soft you get pinch flats on every kerb, so there is a limit.",
            "Wider tyres at lower pressures roll just as fast on real roads, and that took me "
            "years to believe.",
            "Those little pumps you carry are fine in an emergency, but nobody reaches six bar "
            "with one of them.",
            "Check the valve type before you buy a pump, because there are three of them and "
            "they all look alike.",
        ),
    ),
    Topic(
        "Be seen in December",
        "Light: front 400 lumen, rear flashing, charge Sundays.",
        "lights",
        vocabulary(
            "the front lights; a blinking rear light; lumens; charging them; the battery "
            "dying; dynamo hubs; reflective strips; dazzling drivers; the USB chargers; the "
            "early darkness; helmet lights; spare batteries"
        ),
        (
            "By the middle of November it is dark at half past four, so my lights are on for "
            "the whole ride home.",
            "Four hundred lumens in front is plenty in the city, and more than that just "
            "dazzles everyone coming the other way.",
            "A blinking rear light gets noticed, but a steady one makes it easier for drivers to "
            "judge the distance.",
            "The worst moment is when the battery dies halfway home, which is why I charge "
            "everything on a Sunday.",
            "A dynamo hub costs more at first, but you never think about charging again.",
            "Reflective strips on the pedals and the ankles move, and movement is what catches "
            "the eye.",
            "Point the front light down at the road, because a light aimed at eye level blinds "
            "people.",
            "I keep a tiny spare light in my bag, and I have lent it to strangers more times "
            "than I can count.",
        ),
    ),
    Topic(
        "The new lanes downtown",
        "Protected lane on Main Street; 3 km, opened in May.",
        "the bike lanes",
        vocabulary(
            "the protected lanes; the painted lines; the kerbs; delivery vans; parked cars; "
            "the junctions; the city council; the Main Street lane; three kilometres; "
            "bollards; the traffic lights; the consultation"
        ),
        (
            "The protected lane on Main Street finally opened in May, and it runs for about "
            "three kilometres.",
            "A painted line is not protection, and every rider who has been squeezed by a bus "
            "knows that.",
            "The council put in low kerbs between the lanes and the road, and they make a huge "
            "difference.",
            "Delivery vans still park in the lane every morning, so it is not perfect yet.",
            "The junctions are where the design matters, because that is where most of the "
            "collisions happen.",
            "Since the bollards went in, I see parents riding there with small children, which "
            "never happened before.",
            "The traffic lights give cyclists a head start of a few seconds, and it feels "
            "strangely luxurious.",
            "There was a big consultation with lots of angry letters, and then almost everyone "
            "liked it once it was built.",
        ),
    ),
    Topic(
        "What the numbers say",
        "Survey of 1,200 commuters; 15% ride all winter.",
        "the survey",
        vocabulary(
            "twelve hundred commuters; fifteen percent; the questionnaire; the answers; the "
            "results; the winter riders; the response rate; the average distance; seven "
            "kilometres; the statistics; the people who stopped riding; the free text answers"
        ),
        (
            "We asked our listeners to fill in a questionnaire, and twelve hundred commuters "
            "answered it.",
            "Fifteen percent of them said they ride all winter, whatever the weather does.",
            "The average distance was about seven kilometres each way, which is longer than I "
            "expected.",
            "The most common reason for stopping was not the rain, it was the darkness in the "
            "evening.",
            "Almost half of the answers mentioned a close pass by a car in the last month.",
            "The free text answers were the best part, people wrote whole stories in that "
            "little box.",
            "Women were much more likely to say that safe parking was the thing that kept them "
            "riding.",
            "We will put the full results on the website, with all the charts, for anyone who "
            "wants the numbers.",
        ),
    ),
    Topic(
        "Locks that actually work",
        "Lock: D-lock plus chain, register the frame number.",
        "locks",
        vocabulary(
            "D-locks; a heavy chain; locking it to something solid; the frame numbers; angle "
            "grinders; the quick release wheels; the bike register; stolen bikes; the "
            "insurance; cable locks; the thieves; a second lock"
        ),
        (
            "My first bike was stolen outside the library, locked with a cable that someone cut "
            "in seconds.",
            "A good D-lock through the frame and the back wheel stops most thieves who are just "
            "passing.",
            "With an angle grinder nothing is safe, so the goal is to make your bike harder than "
            "the one next to it.",
            "Locking it to something solid sounds obvious, but I have seen people lock bikes to "
            "little trees.",
            "Write down your frame number and put it on the register, because the police ask "
            "for it first.",
            "Quick release wheels are convenient until someone walks off with your front wheel.",
            "Carrying two different locks means the thief needs two different tools, and most "
            "of them give up.",
            "Insurance is boring, but when my cargo bike went missing it paid for almost all of "
            "it.",
        ),
    ),
    Topic(
        "Kids, groceries, and a box",
        "Cargo bike: box bike vs longtail, 40 kg load.",
        "cargo bikes",
        vocabulary(
            "the box bikes; a longtail; the school run; forty kilos of shopping; the rain "
            "cover; the turning circle; parking it; electric assist; the front box; the kids "
            "in the back; a trailer; all that weight"
        ),
        (
            "We replaced the second car with a cargo bike three years ago, and we have not "
            "missed it once.",
            "A box bike carries the children in front where you can see them, and they love "
            "talking to you.",
            "Longtails ride more like a normal bike, and they fit through the door of our "
            "building.",
            "Last weekend I carried forty kilos of shopping up the hill, and the motor did most "
            "of the work.",
            "Parking is the real problem, because a cargo bike does not fit in any normal bike "
            "rack.",
            "The rain cover turns the front box into a little greenhouse, and the kids fall "
            "asleep in there.",
            "The turning circle takes some practice, so find an empty car park before your "
            "first school run.",
            "A trailer is a cheaper way to start, and you can unhitch it when you do not need it.",
        ),
    ),
    Topic(
        "After dark",
        "Night ride: quiet roads, foxes, reflective ankle band.",
        "riding at night",
        vocabulary(
            "the night rides; the empty streets; the foxes; the streetlights; riding after "
            "midnight; reflective ankle bands; the silence; the night shift; the potholes you"
            " cannot see; the moon; the bakery at five"
        ),
        (
            "Riding home after a late shift, the streets are so empty that the whole city feels "
            "like mine.",
            "I have seen more foxes at two in the morning than in my whole life before that.",
            "The potholes you cannot see are the real danger at night, so I stick to roads I "
            "know well.",
            "Reflective ankle bands are cheap, and because they move up and down, drivers "
            "notice them much earlier.",
            "There is a bakery on my route that starts baking at five, and the smell is the "
            "best part of the ride.",
            "When the streetlights go off on the river path, it becomes completely dark, which "
            "is quite something.",
            "Some listeners said they feel less safe at night, and I understand that, it is not "
            "for everyone.",
            "A full moon over the park is bright enough to ride by, although I would not "
            "recommend it.",
        ),
    ),
    Topic(
        "Ten minutes on Sunday",
        "Maintenance: chain oil, brake pad, bolt check.",
        "maintenance",
        vocabulary(
            "cleaning the chain; the chain oil; the brake pads; the bolts; a rag; the gears; "
            "the cables; the free workshop; worn out parts; the Allen keys; the squeaking; "
            "the kitchen table"
        ),
        (
            "Ten minutes every Sunday with a rag and some chain oil saves me a lot of money "
            "every year.",
            "Wipe the chain first, then oil it, then wipe it again, because the oil on the "
            "outside only collects dirt.",
            "Brake pads wear out faster in the rain, so I check mine whenever the weather has "
            "been bad for a week.",
            "Squeaking usually means something is dry or loose, and it is almost never as bad "
            "as it sounds.",
            "A small set of Allen keys fixes most of the things that come loose on a city bike.",
            "I learned to adjust the gears at a free workshop on Thursday evenings, and it "
            "changed everything.",
            "The cables stretch a little in the first month, which is why a new bike needs a "
            "check after a few weeks.",
            "Fixing things on the kitchen table is fine, just put a newspaper down first.",
        ),
    ),
    Topic(
        "Fenders, finally",
        "Mudguard: full length; clip-on ones rattle; mud flap.",
        "mudguards",
        vocabulary(
            "full length mudguards; the clip on ones; the mud flaps; the stripe of dirt up "
            "your back; the rattling; the stays; the spray; the rider behind you; fitting "
            "them; the clearance; cheap black plastic"
        ),
        (
            "Full length mudguards are the one thing I would put on every bike, no exceptions.",
            "Without them you get that stripe of dirt up your back, and everyone at work knows "
            "you rode in.",
            "The clip on ones are easy to fit, but mine rattled so much that I lost one on a "
            "gravel path.",
            "A little mud flap at the bottom of the front one keeps your shoes dry, which is "
            "half the battle.",
            "Check the clearance before you buy them, because some frames simply have no room.",
            "The stays always need bending a little, so take your time and do not force anything.",
            "The rider behind you will thank you, because without mudguards you are spraying "
            "them the whole way.",
            "Mine are black plastic and cost almost nothing, and they have lasted longer than "
            "the bike.",
        ),
    ),
    Topic(
        "Bikes on the train",
        "Train: folding bike, reservation, 2 spaces per carriage.",
        "taking the bike on the train",
        vocabulary(
            "the trains; folding bikes; the reservations; two spaces per carriage; the "
            "platforms; the guards; the rush hour; the bike carriage; the lift at the "
            "station; the tickets; the station bike park; the last train"
        ),
        (
            "My commute is half train and half bike, so I have strong opinions about the "
            "carriages.",
            "Most regional trains only have two bike spaces per carriage, and at rush hour they "
            "are always full.",
            "A folding bike solves almost everything, because it counts as luggage and needs no "
            "ticket.",
            "The long distance trains want a reservation for the bike, and they sell out weeks "
            "ahead in summer.",
            "The lift at our station has been broken since March, so I carry the bike up the "
            "stairs every day.",
            "Some guards are lovely and some are not, and you never know which one you will get.",
            "The bike park at the station is covered now, which means the saddle is dry when I "
            "come back.",
            "Missing the last train with a bike is actually fine, you just ride home and it is "
            "an adventure.",
        ),
    ),
    Topic(
        "Teaching the little ones",
        "Kids: balance bike at 2, no stabilisers, school route.",
        "kids on bikes",
        vocabulary(
            "the balance bikes; stabilisers; the route to school; the playground; the little "
            "ones; their helmets; riding to school; the bike bus; the other parents; the "
            "first wobble; the crossing; looking over the shoulder"
        ),
        (
            "My daughter started on a balance bike when she was two, and she never needed "
            "stabilisers at all.",
            "Stabilisers teach children to lean the wrong way, which is why most teachers skip "
            "them now.",
            "The hardest part is not the riding, it is teaching them to look over the shoulder "
            "before they turn.",
            "Our school has a bike bus on Fridays, where a group of parents rides along with "
            "about twenty children.",
            "The crossing on the main road is still the scary bit, so an adult waits there "
            "every morning.",
            "Kids are surprisingly good in traffic once they know the rules, better than some "
            "adults honestly.",
            "The first wobbly ride without a hand on the saddle is something I will never forget.",
            "Let them choose the colour of the bike, because a bike they love is a bike they "
            "will ride.",
        ),
    ),
    Topic(
        "Charging and range",
        "E-bike battery: 500 Wh, 60 km range, worse in the cold.",
        "electric bikes",
        vocabulary(
            "the batteries; the charger; the range; sixty kilometres; the motor; the cold "
            "mornings; the display; the assist levels; charging at work; five hundred watt "
            "hours; the battery fires; the hills"
        ),
        (
            "My electric bike has a five hundred watt hour battery, and in summer that gives me "
            "about sixty kilometres.",
            "In the cold the range drops a lot, so in January I charge it every second day.",
            "Keep the battery inside overnight, because a cold battery loses charge much faster.",
            "The assist levels matter more than the battery size, I ride in eco almost all the "
            "time.",
            "There were stories about battery fires, and most of them came from cheap chargers "
            "that were not certified.",
            "The hills on my way to work used to be the reason I drove, and now I hardly notice "
            "them.",
            "Charging at work is easy, I just bring the charger and plug it in under my desk.",
            "The display tells you the range, but it is always optimistic, so I never trust the "
            "last ten kilometres.",
        ),
    ),
    Topic(
        "Finding the quiet way",
        "Route app: avoid main roads, elevation, offline map.",
        "route planning",
        vocabulary(
            "the apps; the quiet routes; the main roads; the elevation profile; the offline "
            "maps; the back streets; the detours; the navigation; the canal path; the phone "
            "mount; the shortcuts; the voice directions"
        ),
        (
            "The best app for me is the one that lets you choose quiet streets over the fastest "
            "way.",
            "The fastest route is usually along the main roads, and that is exactly where I do "
            "not want to be.",
            "I always check the elevation profile, because a short route over a hill is not "
            "really short.",
            "Download the offline maps before a trip, because the signal disappears exactly "
            "where you get lost.",
            "The canal path adds five minutes to my commute, and it is worth every one of them.",
            "Voice directions through one earphone are fine, but I would never ride with both "
            "ears covered.",
            "The apps do not know about the roadworks, so sometimes they send you straight into "
            "a fence.",
            "After a few weeks you stop needing the app at all, because you know all the back "
            "streets.",
        ),
    ),
    Topic(
        "The helmet question",
        "Helmet: fit, replace after a crash, rotating liner.",
        "helmets",
        vocabulary(
            "the helmets; the fit; the straps; replacing it after a crash; the foam; the "
            "visor; wearing one; the helmet laws; the whole debate; the sizes; the buckle; "
            "the bright colours"
        ),
        (
            "Every time we mention helmets we get a flood of messages, so let me be careful here.",
            "A helmet only helps if it fits, so two fingers above the eyebrows and the straps "
            "snug under the ears.",
            "After a crash you replace it, even if it looks fine, because the foam inside is done.",
            "I wear one, but I also think that safe streets matter far more than what is on my "
            "head.",
            "Some countries have laws about wearing them, and cycling dropped quite a lot after "
            "those laws came in.",
            "The newer ones have a layer inside that lets the shell rotate a little in a fall.",
            "A helmet with a small visor keeps the rain out of your eyes, which nobody tells you.",
            "Try it on in the shop, because the size on the box means very little.",
        ),
    ),
    Topic(
        "Riding into the wind",
        "Wind: headwind home, 30 km/h gusts, bridges.",
        "the wind",
        vocabulary(
            "the headwinds; the gusts; thirty kilometres an hour; the bridge; a tailwind; the"
            " crosswinds; the forecast; the weather app; leaning into it; the river; a low "
            "gear; the storm"
        ),
        (
            "Rain I can deal with, but a headwind on the way home after a long day is the real "
            "enemy.",
            "The forecast said gusts of thirty kilometres an hour, and on the bridge it felt "
            "like twice that.",
            "Crosswinds are the scary ones, especially when a lorry passes and the air suddenly "
            "changes.",
            "The funny thing is that you never notice the tailwind, you just think you are "
            "having a good day.",
            "On windy days I drop into a low gear and just accept that it will take ten minutes "
            "longer.",
            "The river path is beautiful, but there is nothing there to block the wind at all.",
            "I check the wind direction in the weather app more often than the rain, these days.",
            "During the big storm last year I walked the bike across the bridge, and I do not "
            "regret it.",
        ),
    ),
    Topic(
        "When it freezes",
        "Ice: studded tyre, black ice on bridges, lower pressure.",
        "snow and ice",
        vocabulary(
            "studded tyres; the black ice; the gritters; the frozen puddles; the snow; the "
            "slush; the frost; braking gently; the salt; the cleared lanes; cold fingers; the"
            " bridges freezing first"
        ),
        (
            "Studded tyres changed winter for me, I went from walking on icy days to riding "
            "straight past the buses.",
            "Black ice on the bridges is the thing to watch, because they freeze long before "
            "the roads do.",
            "The city now clears some bike lanes before the roads, which felt like a small "
            "miracle the first time.",
            "Fresh snow is actually easy to ride in, it is the slush and frozen ruts the next "
            "day that are awful.",
            "Brake gently and early on ice, and never turn and brake at the same time.",
            "The salt eats the chain, so after a snowy week the bike needs a proper wash.",
            "Cold fingers are the real limit for me, so I wear lobster gloves from December on.",
            "Letting some air out of the tyres gives you more grip in the snow, which I learned "
            "from a listener.",
        ),
    ),
    Topic(
        "Arriving at the office",
        "Work: shower, spare shirt, merino, pannier.",
        "arriving at work",
        vocabulary(
            "the showers at work; a spare shirt; merino wool; the panniers; the office; the "
            "sweating; changing clothes; the lockers; the bike parking at work; the "
            "colleagues; the dress code; the creases"
        ),
        (
            "The question we get most is how people arrive at work without looking like they "
            "ran a marathon.",
            "Riding slowly is the answer, honestly, if you ride at a relaxed pace you barely "
            "sweat at all.",
            "Merino wool is expensive, but you can wear a merino shirt three days in a row and "
            "nobody notices.",
            "Our office has two showers for three hundred people, so there is a queue at nine "
            "every morning.",
            "I keep a spare shirt and a pair of shoes in a locker, so I only carry my lunch.",
            "Panniers are so much better than a backpack, your back stays dry and the bike "
            "carries the weight.",
            "A rolled shirt gets fewer creases than a folded one, which one of our listeners "
            "proved with photos.",
            "Some colleagues still find it strange, but more of them ask me about it every year.",
        ),
    ),
    Topic(
        "Where to leave it",
        "Parking: rack, covered shelter, 300 spaces at the station.",
        "bike parking",
        vocabulary(
            "the bike racks; the covered shelters; the lockers; three hundred spaces; the "
            "stands; the basement; the landlord; the stairs; the hallway; the wheel benders; "
            "the secure cages; the waiting list"
        ),
        (
            "The new shelter at the station has three hundred spaces, and by eight in the "
            "morning it is already full.",
            "The old racks that only hold the front wheel are wheel benders, and they should "
            "all be removed.",
            "Our building has no bike room, so the bike lives in the hallway and the neighbours "
            "complain.",
            "Secure cages in the residential streets cost about a hundred a year, and there is "
            "a waiting list.",
            "Carrying a bike up three flights of stairs every day is the hidden cost of city "
            "cycling.",
            "The simple steel hoops are still the best design, you can lock the frame and both "
            "wheels.",
            "Shops with a rack outside get more customers on bikes, and the shop owners are "
            "starting to notice.",
            "The landlord finally agreed to put stands in the basement after we asked for two "
            "years.",
        ),
    ),
    Topic(
        "Sharing with walkers",
        "Shared path: bell, slow down, dogs on lead.",
        "shared paths",
        vocabulary(
            "the bells; the walkers; the dogs; the long leads; slowing down; the shared "
            "paths; passing wide; the joggers; the prams; the park; saying thank you; the "
            "speed signs"
        ),
        (
            "On a shared path the walkers were there first, so I slow down and give them plenty "
            "of room.",
            "Ringing the bell from far away works better than ringing it right behind someone.",
            "Dogs on long leads across the path are the classic problem, and a friendly word "
            "solves most of it.",
            "Some people jump when they hear a bell, so sometimes I just say good morning instead.",
            "The joggers with headphones cannot hear anything, so pass wide and pass slowly.",
            "The park paths get very busy on Sunday afternoons, so I take the road then.",
            "The signs say fifteen kilometres an hour, and honestly that is about right with "
            "prams around.",
            "A thank you when someone steps aside goes a long way, it keeps everyone friendly.",
        ),
    ),
    Topic(
        "Too close for comfort",
        "Close pass: 1.5 m rule, camera footage, report it.",
        "close passes",
        vocabulary(
            "the close passes; one and a half metres; the cameras; the footage; reporting "
            "them; the police; the drivers; the buses; the lorries; overtaking; the horn; the"
            " road position"
        ),
        (
            "The rule says drivers must leave one and a half metres when they overtake, and "
            "most of them do.",
            "The ones who do not are the reason I bought a small camera for the handlebars.",
            "I sent the footage to the police twice, and once the driver actually got a letter.",
            "Riding in the middle of the lane on narrow streets stops people from squeezing "
            "past you.",
            "Bus drivers are mostly very good, they see cyclists all day and they know what we do.",
            "Lorries turning left are the most dangerous thing on the road, so never go up the "
            "inside.",
            "A close pass ruins the whole day, even when nothing happens, you just shake for an "
            "hour.",
            "Most drivers are fine, and it is worth saying that, because it is easy to only "
            "remember the bad ones.",
        ),
    ),
    Topic(
        "Buying used",
        "Second hand: check frame, stolen?, fair price.",
        "second hand bikes",
        vocabulary(
            "second hand bikes; the frames; the sellers; the online listings; stolen bikes; "
            "the receipts; the prices; the rust; a test ride; the bargains; the flea market; "
            "the serial number"
        ),
        (
            "Almost every bike I have owned was second hand, and only one of them was a disaster.",
            "Look at the frame closely for cracks and rust, everything else can be replaced.",
            "If the price is too good and the seller has no idea what size it is, it was "
            "probably stolen.",
            "Ask for the serial number and check it on the register before you hand over any "
            "money.",
            "Always take it for a test ride, and listen for clicking from the bottom bracket.",
            "The flea market on Saturday mornings has a corner with old bikes, and some are "
            "real bargains.",
            "The online listings are full of bikes that need a lot of work, so budget for new "
            "tyres and cables.",
            "A receipt from the original shop is a very good sign, honest sellers usually kept it.",
        ),
    ),
    Topic(
        "Fixing a flat",
        "Puncture: tyre lever, spare tube, patch kit.",
        "punctures",
        vocabulary(
            "the punctures; the tyre levers; a spare tube; the patch kits; the glass; the "
            "thorns; the rim tape; puncture resistant tyres; the mini pump; the roadside; the"
            " inner tubes; the valve"
        ),
        (
            "I got three punctures in one week last autumn, all from the glass on the same "
            "stretch of road.",
            "Carry a spare tube and fix the old one at home, it is so much faster at the roadside.",
            "Two plastic tyre levers are enough, you do not need the metal ones that scratch "
            "the rim.",
            "Run your fingers carefully around the inside of the tyre, or the same thorn gets "
            "you again.",
            "Puncture resistant tyres are heavier, but I have not had a single flat since I "
            "fitted them.",
            "A patch kit costs almost nothing and takes up no space, so there is no excuse.",
            "The rim tape was the real problem once, a spoke hole was cutting every new tube.",
            "Practise at home once, because learning it in the rain at the side of the road is "
            "miserable.",
        ),
    ),
    Topic(
        "Riding together",
        "Community ride: first Friday, 200 riders, slow pace.",
        "the group ride",
        vocabulary(
            "the group rides; the first Friday; two hundred riders; the slow pace; the music;"
            " the route; the newcomers; the marshals; the fountain; the fairy lights; the "
            "picnic; the speaker"
        ),
        (
            "On the first Friday of every month we meet at the fountain for a slow ride through "
            "the city.",
            "Last month two hundred riders came, and some of them had never ridden in traffic "
            "before.",
            "The pace is really slow, nobody gets dropped, and the marshals wait at every "
            "junction.",
            "Someone always brings a speaker with music, and people decorate their bikes with "
            "fairy lights.",
            "The route changes every month, and we always finish at a park with a picnic.",
            "Newcomers tell us it is the first time they felt safe riding through the centre.",
            "The police asked us to register it with the city, which we did, and now they even "
            "help.",
            "It is really a social event more than a ride, half the people stay for hours after.",
        ),
    ),
    Topic(
        "What it really costs",
        "Cost: 300 a year; no parking fees, no fuel.",
        "the money side",
        vocabulary(
            "the costs; three hundred a year; the car payments; the fuel; the parking fees; "
            "the bus pass; the savings; the spreadsheet; the repairs; the tax scheme; new "
            "tyres; the budget"
        ),
        (
            "I kept a spreadsheet for a whole year, and the bike cost me about three hundred "
            "including repairs.",
            "The bus pass alone would have been more than twice that, and the car would have "
            "been ten times more.",
            "Parking fees in the centre are so high now that some of my colleagues started "
            "riding just because of that.",
            "There is a tax scheme through work that pays for part of a new bike, and not many "
            "people know about it.",
            "The expensive things are tyres, chains and brake pads, and you can spread those out.",
            "Of course the savings disappear if you buy a new bike every year, which some of us "
            "do.",
            "The money is nice, but what people mention most is time, not money.",
            "Even with an expensive electric bike you save money after about two years compared "
            "with a car.",
        ),
    ),
    Topic(
        "Hot days",
        "Heat: early start, water bottle, shady route.",
        "riding in the heat",
        vocabulary(
            "the heat; a water bottle; the shade; the early mornings; thirty five degrees; "
            "the sun cream; the sweat; the tree lined streets; an ice cream; the hot tarmac; "
            "the afternoons; the breeze"
        ),
        (
            "Last summer it was thirty five degrees for a week, and riding home in the "
            "afternoon was brutal.",
            "I leave half an hour earlier on hot days, the mornings are still cool and the "
            "streets are quiet.",
            "Tree lined streets are ten degrees cooler than the open roads, you really feel it "
            "on the skin.",
            "Take a water bottle even for short rides, because you do not notice how much you "
            "sweat in the breeze.",
            "Sun cream on the back of the neck and the arms, that is where I always get burnt.",
            "The tarmac gets so hot that the tyre pressure actually goes up a little during the "
            "day.",
            "Stopping for an ice cream on the way home is part of my summer routine now.",
            "Heat is honestly harder than rain for me, at least you can dress for the rain.",
        ),
    ),
    Topic(
        "Closing streets to cars",
        "Low traffic area: planter, 20% fewer cars, protest.",
        "low traffic neighbourhoods",
        vocabulary(
            "the planters; the low traffic areas; twenty percent fewer cars; the protests; "
            "the residents; the through traffic; the school street; the filters; the cameras;"
            " the local shops; the neighbours; the quiet"
        ),
        (
            "Our neighbourhood put big planters at three corners, and through traffic just "
            "disappeared.",
            "The measurements showed twenty percent fewer cars on the surrounding roads after a "
            "year, not more.",
            "There were protests at the start, with banners on the balconies and angry meetings.",
            "Now children play in the street again, which I had not seen since I was a child "
            "myself.",
            "The school street closes for half an hour in the morning and afternoon, and the "
            "air is so much cleaner.",
            "Some shops were worried about losing customers, but most of them are doing better "
            "now.",
            "The cameras catch drivers who ignore the signs, and that stopped the rat running "
            "completely.",
            "The quiet is what surprised me most, you hear birds in the middle of the city.",
        ),
    ),
    Topic(
        "Why it makes us happy",
        "Wellbeing: daily exercise, 30 minutes, less stress.",
        "the mood boost",
        vocabulary(
            "the mood; the daily exercise; thirty minutes; the stress; the fresh air; some "
            "head space; the sleep; the routine; the mornings; driving to work; the "
            "endorphins; the sunrise"
        ),
        (
            "Thirty minutes on the bike every morning is the only exercise I get, and it is "
            "enough to feel it.",
            "Studies keep finding that cyclists are the happiest commuters, even on rainy days.",
            "The ride home is where I leave the work behind, by the time I arrive the stress is "
            "mostly gone.",
            "I sleep better on the days I ride, which I did not expect at all.",
            "Sitting in traffic in a car made me angry every day, and the bike never does that.",
            "Seeing the sunrise over the river on a winter morning makes the cold completely "
            "worth it.",
            "Some of my best ideas come on the bike, there is something about the rhythm of it.",
            "It is a routine that does not feel like a routine, you just do it, like brushing "
            "your teeth.",
        ),
    ),
    Topic(
        "Our favourite repair shop",
        "Local shop: repair café, 2 week wait, fair price.",
        "the repair shop",
        vocabulary(
            "the repair café; the bike shop; the mechanics; the two week wait; the fair "
            "prices; the spare parts; the volunteers; the tools; the service; the booking; "
            "the Saturday mornings; the owner"
        ),
        (
            "There is a repair café in the old library every Saturday morning, run by volunteers.",
            "They do not fix it for you, they show you how, and you leave with dirty hands and "
            "a working bike.",
            "Our local bike shop has a two week wait for a service in spring, so book early.",
            "The owner has been fixing bikes on that corner for thirty years, and he knows "
            "every bike in the street.",
            "Good mechanics tell you what you do not need, which is how you know you can trust "
            "them.",
            "Spare parts for old bikes are getting harder to find, so they keep a box of used "
            "ones.",
            "The prices are fair, and he always explains what he did and why it took so long.",
            "A shop that lends you a bike while yours is in the workshop is worth its weight in "
            "gold.",
        ),
    ),
    Topic(
        "From the mailbag",
        "Listener question: saddle sore, frame size.",
        "listener questions",
        vocabulary(
            "the listener questions; the emails; the saddles; the frame sizes; the letters; "
            "the voicemails; the advice; the saddle height; a comfortable saddle; padded "
            "shorts; your messages; the question of the week"
        ),
        (
            "We got a lovely email from a listener who started riding at sixty and now rides "
            "every day.",
            "The question of the week is about saddles, and whether a soft one is really more "
            "comfortable.",
            "Surprisingly, a harder saddle is often better for longer rides, because the soft "
            "ones press in the wrong places.",
            "Saddle height matters more than the saddle itself, your leg should be almost "
            "straight at the bottom.",
            "Someone asked how to choose a frame size online, and the honest answer is to try "
            "one in a shop first.",
            "Keep the messages coming, we read every single one, even if we cannot answer all "
            "of them.",
            "One listener sent us a voicemail of her cargo bike squeaking and asked us to "
            "diagnose it.",
            "Padded shorts under normal trousers is a tip from a listener that I now pass on to "
            "everyone.",
        ),
    ),
    Topic(
        "A weekend away",
        "Touring: 80 km a day, pannier, campsite.",
        "the weekend tour",
        vocabulary(
            "the tour; eighty kilometres a day; the panniers; the campsites; the tent; the "
            "ferry; the country roads; the village cafés; the sleeping bags; the packing "
            "list; the map; the headwind on day two"
        ),
        (
            "Last summer we rode to the coast over a long weekend, about eighty kilometres a day.",
            "Pack half of what you think you need, and then take out half of that again.",
            "Campsites along the river take cyclists without a booking, which makes planning so "
            "much easier.",
            "The village cafés were the highlight, we stopped at every single one for cake.",
            "Four panniers sound like a lot, but the tent and the sleeping bag fill two of them.",
            "We took the ferry back instead of riding, and watching the coast from the deck was "
            "perfect.",
            "The country roads were quiet and smooth, but the headwind on day two nearly broke us.",
            "You do not need a special bike for this, our commuting bikes were completely fine.",
        ),
    ),
)

# Said in any section, filled with that section's vocabulary.
FRAMES = (
    "I think {x} is really the point here.",
    "Right, and {x} too.",
    "You know, {x} comes up every single time.",
    "People always ask me about {x}.",
    "I mean, {x}, honestly, that is half of it.",
    "And that is where {x} really matters.",
    "Yeah, {x}, exactly.",
    "We got so many messages about {x} after the last episode.",
    "I never thought much about {x} until last year.",
    "Which brings us back to {x}, doesn't it.",
    "Um, so, {x}, yeah.",
    "The thing with {x} is that nobody explains it properly.",
    "Mm, {x}. Good point.",
    "Honestly, {x} surprised me more than anything else.",
)
# Cross-talk: a sentence about another section of the same episode.
EARLIER = (
    "That is a bit like {y}, from earlier.",
    "Same as with {y}, really.",
    "Which reminds me of what you said about {y}.",
    "Going back to {y} for a second, I forgot one thing.",
)
LATER = (
    "We will get to {y} later, actually.",
    "Hold that thought, because {y} is coming up.",
    "That is a bit like {y}, but more on that in a minute.",
)
# How a section may open.
NAMING = (
    "Okay, so, {name}.",
    "Let's talk about {name}.",
    "Next up, {name}.",
    "So, um, {name}.",
    "Right, {name}.",
    "Now, {name}, which a lot of you asked about.",
)
TRANSITIONS = (
    "Right, moving on.",
    "Okay, next thing.",
    "Anyway.",
    "Good, so, where were we.",
    "Alright, let's keep going.",
    "So yeah. Okay.",
)
FILLERS = ("Um, ", "So yeah, ", "I mean, ", "You know, ", "Well, ", "Uh, ")
WELCOME = (
    "Hello and welcome to Wet Wheels, the show about riding in the city, whatever the "
    "weather. I am here with my co-host, as always."
)
