/* Placeholder benchmark driver for the db probe. */
int main(void);

int main(void)
{
    return 0;
}
