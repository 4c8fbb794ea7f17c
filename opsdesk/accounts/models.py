"""People, their roles and teams, and the API tokens they hold."""

import hashlib

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

SYSTEM_EMAIL = "system@opsdesk.invalid"


class Role(models.TextChoices):
    REQUESTER = "requester", "Requester"
    AGENT = "agent", "Agent"
    MANAGER = "manager", "Manager"
    ENGINEER = "engineer", "Engineer"
    ADMIN = "admin", "Admin"
    SYSTEM = "system", "System"


STAFF_ROLES = frozenset({Role.AGENT, Role.MANAGER, Role.ENGINEER, Role.ADMIN, Role.SYSTEM})


class RequesterRole(models.TextChoices):
    """What a requester is at their school; shown to agents, used by rules."""

    STUDENT = "student", "Student"
    TEACHER = "teacher", "Teacher"
    COORDINATOR = "coordinator", "Coordinator"
    DIRECTOR = "director", "Director"
    STAFF = "staff", "Staff"


class Language(models.TextChoices):
    EN = "en", "English"
    VI = "vi", "Tiếng Việt"


class UserManager(BaseUserManager["User"]):
    def create_user(
        self, email: str, password: str | None = None, **fields: object
    ) -> "User":
        """Create a user; without a password the account cannot log in with one."""
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        """Create an admin (Django's createsuperuser calls this)."""
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone opsdesk knows: requesters, agents, managers, engineers, admins, the system."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.REQUESTER)
    requester_role = models.CharField(max_length=20, choices=RequesterRole.choices, blank=True)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    time_zone = models.CharField(max_length=64, default="Asia/Ho_Chi_Minh")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        indexes = [
            models.Index(fields=["role"]),
            # Requesters are found by address whatever its case (`email__iexact`, UPPER on
            # PostgreSQL): a campus has tens of thousands of them.
            models.Index(Upper("email"), name="user_email_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    @property
    def is_requester(self) -> bool:
        return self.role == Role.REQUESTER

    @property
    def is_desk_staff(self) -> bool:
        """Agents, managers, engineers, admins and the system work the desk."""
        return self.role in STAFF_ROLES

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Team(models.Model):
    """A group of people tickets are routed and escalated to (Support, Dev Team, …)."""

    name = models.CharField(max_length=100, unique=True)
    email = models.EmailField(blank=True, help_text="Where the team is reached by email.")
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def hash_token(raw: str) -> str:
    """Tokens are long random strings, so one SHA-256 is enough and keeps auth fast."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the REST API; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, help_text="First characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.email})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
