"""notalone.detect: explainable detection of online kidnapping, grooming, sextortion and fraud.

No web, database or worker code is imported here; the service, CLI and worker are adapters.
"""

from notalone.detect.conversation import ConversationState
from notalone.detect.detector import Detector
from notalone.detect.lexicon import Knowledge, KnowledgeError, load_knowledge
from notalone.detect.normalize import NormalizedText, normalize
from notalone.detect.parse import LineError, parse_conversation, read_jsonl
from notalone.detect.types import (
    Assessment,
    Conversation,
    Evidence,
    IndicatorEvidence,
    InputError,
    Message,
)

__all__ = [
    "Assessment",
    "Conversation",
    "ConversationState",
    "Detector",
    "Evidence",
    "IndicatorEvidence",
    "InputError",
    "Knowledge",
    "KnowledgeError",
    "LineError",
    "Message",
    "NormalizedText",
    "load_knowledge",
    "normalize",
    "parse_conversation",
    "read_jsonl",
]
