"""The vocabulary fabricated values and replies are drawn from."""

from __future__ import annotations

FIRST_NAMES = (
    "Alex",
    "Maria",
    "James",
    "Aisha",
    "Kenji",
    "Sofia",
    "Liam",
    "Priya",
    "Mateo",
    "Emma",
    "Noah",
    "Mei",
    "Olivia",
    "Lucas",
    "Fatima",
    "Daniel",
)
LAST_NAMES = (
    "Morgan",
    "Garcia",
    "Smith",
    "Khan",
    "Tanaka",
    "Rossi",
    "Murphy",
    "Patel",
    "Silva",
    "Johnson",
    "Nguyen",
    "Fischer",
    "Okafor",
    "Larsen",
    "Kim",
    "Dubois",
)
CITIES = (
    ("Paris", "France"),
    ("Tokyo", "Japan"),
    ("Lisbon", "Portugal"),
    ("Toronto", "Canada"),
    ("Nairobi", "Kenya"),
    ("Melbourne", "Australia"),
    ("Buenos Aires", "Argentina"),
    ("Oslo", "Norway"),
    ("Seoul", "South Korea"),
    ("Cape Town", "South Africa"),
    ("Berlin", "Germany"),
    ("Mexico City", "Mexico"),
    ("Mumbai", "India"),
    ("San Francisco", "United States"),
    ("London", "United Kingdom"),
    ("Reykjavik", "Iceland"),
)
REGIONS = (
    "California",
    "Ontario",
    "Bavaria",
    "Queensland",
    "Catalonia",
    "Texas",
    "Hokkaido",
    "Tuscany",
)
STREETS = (
    "Main Street",
    "Oak Avenue",
    "Maple Road",
    "Harbor Lane",
    "Elm Street",
    "Park Boulevard",
    "Station Road",
    "Cedar Court",
)
COMPANIES = (
    "Acme Corp",
    "Globex",
    "Initech",
    "Northwind Traders",
    "Blue Harbor Labs",
    "Summit Analytics",
    "Brightline Foods",
    "Vertex Systems",
)
PRODUCTS = (
    "Wireless Headphones",
    "Standing Desk",
    "Espresso Machine",
    "Trail Running Shoes",
    "Smart Thermostat",
    "Mechanical Keyboard",
    "Ceramic Teapot",
    "Travel Backpack",
)
FILES = (
    "report.pdf",
    "notes.txt",
    "summary.docx",
    "data.csv",
    "diagram.png",
    "budget.xlsx",
    "readme.md",
    "invoice.pdf",
)
CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "SEK")
LANGUAGES = ("English", "Spanish", "French", "German", "Japanese", "Portuguese")
LOCALES = ("en-US", "en-GB", "fr-FR", "de-DE", "es-ES", "ja-JP")
COLORS = ("blue", "green", "red", "teal", "orange", "purple", "yellow", "gray")
UNITS = ("celsius", "fahrenheit", "kilograms", "meters", "liters", "miles")
STATUSES = ("active", "pending", "completed", "in_progress", "cancelled", "open")
CATEGORIES = ("general", "travel", "finance", "health", "technology", "education")
TAGS = ("travel", "budget", "urgent", "weekend", "research", "family", "outdoor", "work")
TITLES = (
    "Quarterly planning notes",
    "Weekend trip to the coast",
    "Getting started guide",
    "Team offsite agenda",
    "Monthly budget review",
    "Product launch checklist",
)
ROLES = (
    "software engineer",
    "product manager",
    "data analyst",
    "designer",
    "teacher",
    "nurse",
    "accountant",
    "project lead",
)
DEPARTMENTS = ("Engineering", "Marketing", "Sales", "Finance", "Operations", "Support")
QUERIES = (
    "best hiking trails near Denver",
    "how to make sourdough bread",
    "cheap flights to Lisbon",
    "python list comprehension examples",
    "weather forecast for tomorrow",
    "vegetarian dinner ideas",
)
WEATHER = ("sunny", "partly cloudy", "light rain", "overcast", "clear skies", "windy")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FOODS = ("tomato soup", "pad thai", "margherita pizza", "lentil curry", "caesar salad", "banana bread")
TIMEZONES = ("Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC")
TICKERS = ("AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "TSLA")
ADJECTIVES = (
    "quiet",
    "bright",
    "golden",
    "simple",
    "rapid",
    "gentle",
    "modern",
    "classic",
    "hidden",
    "friendly",
    "steady",
    "vivid",
)
NOUNS = (
    "harbor",
    "meadow",
    "journey",
    "signal",
    "garden",
    "bridge",
    "summit",
    "lantern",
    "river",
    "canvas",
    "orchard",
    "compass",
)

OPENERS = (
    "Sure!",
    "Great question.",
    "Happy to help.",
    "Absolutely.",
    "Good idea.",
    "Here's a quick answer.",
    "Of course.",
    "Thanks for asking.",
)
BODIES = (
    "The short answer is that it depends on {factor}, but {advice}.",
    "In most cases, {advice}.",
    "A good first step is to {action}.",
    "It usually helps to {action} before you {action2}.",
    "{subject} tends to work best when you {action}.",
    "Based on what you've described, I'd recommend that you {action}.",
    "One common approach is to {action} and then {action2}.",
    "If you're unsure, {advice}.",
    "Keep in mind that {factor} can change the outcome quite a bit.",
)
CLOSERS = (
    "Let me know if you'd like more detail.",
    "I hope that helps!",
    "Feel free to ask if anything is unclear.",
    "Want me to walk through an example?",
    "Good luck!",
)
FACTORS = (
    "your specific goals",
    "the context",
    "how much time you have",
    "the size of the data",
    "your budget",
    "the constraints involved",
    "the tools you already use",
)
ADVICE = (
    "starting simple is usually the best choice",
    "a small experiment will tell you more than a long plan",
    "it's worth checking the details first",
    "the most reliable option is the one you can test quickly",
    "clear notes will save you time later",
)
ACTIONS = (
    "break the problem into smaller steps",
    "start with a simple example",
    "write down the key requirements",
    "compare a few options side by side",
    "test your assumptions early",
    "review the documentation",
    "ask for feedback from someone you trust",
    "set a realistic timeline",
)
SUBJECTS = ("This kind of plan", "An approach like this", "The process", "A setup like that")
