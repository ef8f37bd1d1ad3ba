/* Placeholder benchmark driver for the process probe. */
int main(void);

int main(void)
{
    return 0;
}
